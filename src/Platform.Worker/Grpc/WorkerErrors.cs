using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Platform.Contracts.V1;

namespace Platform.Worker.Grpc;

/// <summary>
/// The worker's refusals as <see cref="RpcException"/>s with a rich status
/// (<c>grpc-status-details-bin</c>) whose detail is a <see cref="WorkerRefusal"/>: the control
/// plane decides on its typed reason, never on text.
/// </summary>
internal static class WorkerErrors
{
    public static RpcException Create(StatusCode status, RefusalReason reason, string message, string? field = null)
    {
        var refusal = new WorkerRefusal { Reason = reason, Field = field ?? string.Empty };
        var rich = new Google.Rpc.Status { Code = (int)status, Message = message, Details = { Any.Pack(refusal) } };
        return rich.ToRpcException();
    }

    /// <summary>The refusal a worker's error carries; null for an error that is not a refusal (transport, deadline, token).</summary>
    public static RefusalReason? ReasonOf(RpcException ex) => ex.GetRpcStatus()?.GetDetail<WorkerRefusal>()?.Reason;

    public static RpcException BadArgument(string field, string message) =>
        Create(StatusCode.InvalidArgument, RefusalReason.InvalidArgument, message, field);

    public static RpcException BadModule(string message) =>
        Create(StatusCode.InvalidArgument, RefusalReason.InvalidModule, message);

    public static RpcException TooLarge(string message) =>
        Create(StatusCode.ResourceExhausted, RefusalReason.PayloadTooLarge, message);

    /// <summary>Overloaded is RESOURCE_EXHAUSTED on the wire: nothing ran, another worker may take the call.</summary>
    public static RpcException Overload(string message) =>
        Create(StatusCode.ResourceExhausted, RefusalReason.Overloaded, message);

    public static RpcException NotAvailable(string message) =>
        Create(StatusCode.Unavailable, RefusalReason.ModuleUnavailable, message);
}
