using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Platform.ControlPlane.Auth;
using Platform.ControlPlane.Limits;
using Platform.ControlPlane.Paging;
using Platform.ControlPlane.Tenants;
using V1 = Platform.Contracts.V1;

namespace Platform.ControlPlane.History;

/// <summary><c>platform.v1.InvocationHistoryService</c>: <see cref="HistoryRest"/> over gRPC.</summary>
internal sealed class HistoryGrpcService(HistoryStore store, ITenantDirectory directory, ManagementLimits limits) : V1.InvocationHistoryService.InvocationHistoryServiceBase
{
    public override async Task<V1.ListInvocationsResponse> ListInvocations(V1.ListInvocationsRequest request, ServerCallContext context)
    {
        var caller = await RequireTenant(context);
        var query = HistoryQuery.Create(request.Function, request.Outcome, request.Since?.ToDateTimeOffset(), request.Until?.ToDateTimeOffset());
        var page = await store.ListAsync(caller.TenantId, query, PageRequest.From(request.Page), context.CancellationToken);
        return new V1.ListInvocationsResponse { Invocations = { page.Items.Select(ToProto) }, NextCursor = page.NextCursor ?? "" };
    }

    public override async Task<V1.InvocationRecord> GetInvocation(V1.GetInvocationRequest request, ServerCallContext context)
    {
        var caller = await RequireTenant(context);
        return ToProto(await store.GetAsync(caller.TenantId, HistoryRest.RequireId(request.Id), context.CancellationToken));
    }

    public static V1.InvocationRecord ToProto(InvocationRecord r)
    {
        var p = new V1.InvocationRecord
        {
            Id = r.Id,
            EndedAt = Timestamp.FromDateTimeOffset(r.EndedAt),
            Function = r.Function,
            Version = r.Version,
            Trigger = r.Trigger,
            Outcome = r.Outcome,
            Message = r.Message ?? "",
            FuelConsumed = r.FuelConsumed,
            DurationUs = r.DurationUs,
            Worker = r.Worker,
            InputBytes = r.InputBytes,
            OutputBytes = r.OutputBytes,
            Logs = ByteString.CopyFrom(r.Logs),
            LogsTruncated = r.LogsTruncated,
        };
        if (r.ExitCode is { } exitCode) p.ExitCode = exitCode;
        return p;
    }

    private async Task<Caller.Tenant> RequireTenant(ServerCallContext context)
    {
        var caller = context.GetHttpContext().TenantCaller();
        await limits.AdmitAsync(directory, caller.TenantId, context.CancellationToken);
        return caller;
    }
}
