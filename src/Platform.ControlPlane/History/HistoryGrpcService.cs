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
internal sealed class HistoryGrpcService(
    HistoryStore store,
    ITenantDirectory directory,
    ManagementLimits limits,
    Tail.TailSlots slots,
    Tail.TailPoller poller,
    Microsoft.Extensions.Options.IOptions<Tail.TailOptions> tailOptions,
    TimeProvider time) : V1.InvocationHistoryService.InvocationHistoryServiceBase
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

    /// <summary>The live tail of <see cref="Tail.TailRest"/> as a server stream: invocation and dropped events.</summary>
    public override async Task TailInvocations(V1.TailInvocationsRequest request, IServerStreamWriter<V1.TailEvent> responseStream, ServerCallContext context)
    {
        var caller = await RequireTenant(context);
        var query = HistoryQuery.Create(request.Function, request.Outcome, null, null);
        var since = request.Since?.ToDateTimeOffset() ?? time.GetUtcNow();
        using var slot = slots.Acquire(caller.TenantId);
        // The headers tell the caller the tail is running, before any invocation arrives.
        await context.WriteResponseHeadersAsync([]);
        var feed = new Tail.TailFeed(tailOptions.Value.BufferedRecords);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
        var polling = poller.RunAsync(caller.TenantId, query, since, feed, stop.Token);
        long reported = 0;
        try
        {
            await foreach (var record in feed.Reader.ReadAllAsync(context.CancellationToken))
            {
                var dropped = feed.Dropped;
                if (dropped > reported)
                {
                    await responseStream.WriteAsync(new V1.TailEvent { Dropped = dropped }, context.CancellationToken);
                    reported = dropped;
                }

                await responseStream.WriteAsync(new V1.TailEvent { Invocation = ToProto(record) }, context.CancellationToken);
            }
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            // The caller cancelled: the normal end of a tail.
        }
        finally
        {
            await stop.CancelAsync();
            await polling;
        }
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
            Recorded = r.Recorded,
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
