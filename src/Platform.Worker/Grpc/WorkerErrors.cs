using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;

namespace Platform.Worker.Grpc;

/// <summary>
/// Platform errors of the worker as <see cref="RpcException"/>s with a rich status
/// (<c>grpc-status-details-bin</c>): a <c>google.rpc.ErrorInfo</c> with domain "platform" and the
/// platform code as reason, the same shape the control plane's gRPC edge uses.
/// </summary>
internal static class WorkerErrors
{
    public const string InvalidArgument = "INVALID_ARGUMENT";
    public const string InvalidModule = "INVALID_MODULE";
    public const string PayloadTooLarge = "PAYLOAD_TOO_LARGE";
    public const string Overloaded = "OVERLOADED";
    public const string Unavailable = "UNAVAILABLE";

    public static RpcException Create(StatusCode status, string reason, string message, string? field = null)
    {
        var info = new ErrorInfo { Reason = reason, Domain = ClusterMetadata.ErrorDomain };
        if (field is not null)
            info.Metadata["field"] = field;
        var rich = new Google.Rpc.Status { Code = (int)status, Message = message, Details = { Any.Pack(info) } };
        if (field is not null)
        {
            rich.Details.Add(Any.Pack(new BadRequest
            {
                FieldViolations = { new BadRequest.Types.FieldViolation { Field = field, Description = message } },
            }));
        }

        return rich.ToRpcException();
    }

    public static RpcException BadArgument(string field, string message) =>
        Create(StatusCode.InvalidArgument, InvalidArgument, message, field);

    public static RpcException BadModule(string message) =>
        Create(StatusCode.InvalidArgument, InvalidModule, message);

    public static RpcException TooLarge(string message) =>
        Create(StatusCode.ResourceExhausted, PayloadTooLarge, message);

    /// <summary>OVERLOADED is RESOURCE_EXHAUSTED on the wire: nothing ran, another worker may take the call.</summary>
    public static RpcException Overload(string message) =>
        Create(StatusCode.ResourceExhausted, Overloaded, message);

    public static RpcException NotAvailable(string message) =>
        Create(StatusCode.Unavailable, Unavailable, message);
}
