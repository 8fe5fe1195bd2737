using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Logging;
using Platform.ControlPlane.Database;
using Platform.ControlPlane.Errors;

namespace Platform.ControlPlane.Grpc;

/// <summary>
/// The gRPC edge's error boundary: a platform error becomes an <see cref="RpcException"/> whose
/// status code follows <see cref="ErrorCodes.GrpcStatus"/> and whose rich status
/// (<c>grpc-status-details-bin</c>) carries a <c>google.rpc.ErrorInfo</c> (domain "platform",
/// reason = the code, metadata "field" when a field is at fault) and, for a field, a
/// <c>google.rpc.BadRequest</c>. An unreachable database is UNAVAILABLE; anything else INTERNAL
/// without details.
/// </summary>
internal sealed partial class GrpcErrorInterceptor(ILogger<GrpcErrorInterceptor> logger) : Interceptor
{
    public const string Domain = "platform";

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context);
        }
        catch (Exception ex) when (Translate(ex, context) is { } rpc)
        {
            throw rpc;
        }
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(requestStream, context);
        }
        catch (Exception ex) when (Translate(ex, context) is { } rpc)
        {
            throw rpc;
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(request, responseStream, context);
        }
        catch (Exception ex) when (Translate(ex, context) is { } rpc)
        {
            throw rpc;
        }
    }

    public static RpcException ToRpcException(ErrorCode code, string message, string? field, TimeSpan? retryAfter = null)
    {
        var info = new ErrorInfo { Reason = code.WireName(), Domain = Domain };
        if (field is not null)
            info.Metadata["field"] = field;
        var status = new Google.Rpc.Status { Code = (int)code.GrpcStatus(), Message = message, Details = { Any.Pack(info) } };
        if (field is not null)
        {
            status.Details.Add(Any.Pack(new BadRequest
            {
                FieldViolations = { new BadRequest.Types.FieldViolation { Field = field, Description = message } },
            }));
        }

        if (retryAfter is { } delay)
            status.Details.Add(Any.Pack(new RetryInfo { RetryDelay = Duration.FromTimeSpan(delay) }));
        return status.ToRpcException();
    }

    private RpcException? Translate(Exception ex, ServerCallContext context)
    {
        switch (ex)
        {
            case RpcException:
                return null;
            case PlatformException platform:
                return ToRpcException(platform.Code, platform.Message, platform.Field, platform.RetryAfter);
            case OperationCanceledException when context.CancellationToken.IsCancellationRequested:
                return new RpcException(new global::Grpc.Core.Status(StatusCode.Cancelled, "the call was cancelled"));
            case var _ when DbErrors.IsUnavailable(ex):
                LogDatabaseUnavailable(logger, context.Method, ex);
                return ToRpcException(ErrorCode.Unavailable, "the platform's database is unavailable; retry later", null);
            default:
                LogUnhandled(logger, context.Method, ex);
                return ToRpcException(ErrorCode.Internal, "an internal error occurred", null);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Database unavailable while serving {Method}")]
    private static partial void LogDatabaseUnavailable(ILogger logger, string method, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled error serving {Method}")]
    private static partial void LogUnhandled(ILogger logger, string method, Exception exception);
}
