using System.Diagnostics;
using System.Globalization;
using System.Text;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Platform.ControlPlane.Auth;
using Platform.ControlPlane.Grpc;
using V1 = Platform.Contracts.V1;

namespace Platform.ControlPlane.Invocation;

/// <summary><c>platform.v1.InvocationService</c>: invoke by name over gRPC.</summary>
internal sealed class InvocationGrpcService(InvocationRouter router) : V1.InvocationService.InvocationServiceBase
{
    private const int MaxLogMetadataBytes = 4 * 1024;

    public override async Task<V1.InvokeResponse> Invoke(V1.InvokeRequest request, ServerCallContext context)
    {
        var started = Stopwatch.GetTimestamp();
        var caller = context.GetHttpContext().TenantCaller();
        var target = InvocationTarget.Parse(string.IsNullOrEmpty(request.Reference) ? request.Function : $"{request.Function}@{request.Reference}");
        var tenant = InvocationTenant.Of(caller);
        var (function, quotas) = await router.ResolveAsync(tenant, target, context.CancellationToken);
        var reply = await router.InvokeAsync(tenant, function, quotas, new InvocationInput(request.Input.Memory), context.CancellationToken, started);
        if (!reply.IsOk) throw ToRpcException(reply);
        return new V1.InvokeResponse
        {
            InvocationId = reply.InvocationId,
            Output = UnsafeByteOperations.UnsafeWrap(reply.Output),
            Logs = UnsafeByteOperations.UnsafeWrap(reply.Logs),
            LogsTruncated = reply.LogsTruncated,
            FuelConsumed = reply.FuelConsumed,
            DurationUs = reply.DurationUs,
            Worker = reply.Worker,
            Version = reply.Version,
        };
    }

    private static RpcException ToRpcException(InvocationReply reply)
    {
        var info = new ErrorInfo { Reason = reply.Code, Domain = GrpcErrorInterceptor.Domain };
        info.Metadata["invocation_id"] = reply.InvocationId;
        info.Metadata["worker"] = reply.Worker;
        info.Metadata["version"] = reply.Version.ToString(CultureInfo.InvariantCulture);
        info.Metadata["fuel_consumed"] = reply.FuelConsumed.ToString(CultureInfo.InvariantCulture);
        info.Metadata["duration_us"] = reply.DurationUs.ToString(CultureInfo.InvariantCulture);
        if (reply.ExitCode is { } exitCode) info.Metadata["exit_code"] = exitCode.ToString(CultureInfo.InvariantCulture);
        if (reply.Logs.Length > 0) info.Metadata["logs"] = Encoding.UTF8.GetString(reply.Logs, 0, Math.Min(reply.Logs.Length, MaxLogMetadataBytes));
        var status = new Google.Rpc.Status
        {
            Code = (int)OutcomeStatus.Grpc(reply.Outcome),
            Message = reply.Message ?? reply.Code,
            Details = { Any.Pack(info) },
        };
        return status.ToRpcException();
    }
}
