using System.Net;
using Grpc.Core;

namespace Platform.ControlPlane.Errors;

/// <summary>The one table from an error code to its wire name, HTTP status and gRPC status.</summary>
public static class ErrorCodes
{
    public static string WireName(this ErrorCode code) => code switch
    {
        ErrorCode.InvalidArgument => "INVALID_ARGUMENT",
        ErrorCode.InvalidModule => "INVALID_MODULE",
        ErrorCode.PreinitFailed => "PREINIT_FAILED",
        ErrorCode.NotFound => "NOT_FOUND",
        ErrorCode.Unauthenticated => "UNAUTHENTICATED",
        ErrorCode.Forbidden => "FORBIDDEN",
        ErrorCode.QuotaExceeded => "QUOTA_EXCEEDED",
        ErrorCode.FailedPrecondition => "FAILED_PRECONDITION",
        ErrorCode.PayloadTooLarge => "PAYLOAD_TOO_LARGE",
        ErrorCode.RateLimited => "RATE_LIMITED",
        ErrorCode.ConcurrencyLimited => "CONCURRENCY_LIMITED",
        ErrorCode.Overloaded => "OVERLOADED",
        ErrorCode.Unavailable => "UNAVAILABLE",
        ErrorCode.Internal => "INTERNAL",
        _ => throw new ArgumentOutOfRangeException(nameof(code), code, null),
    };

    public static HttpStatusCode HttpStatus(this ErrorCode code) => code switch
    {
        ErrorCode.InvalidArgument => HttpStatusCode.BadRequest,
        ErrorCode.InvalidModule => HttpStatusCode.BadRequest,
        ErrorCode.PreinitFailed => HttpStatusCode.BadRequest,
        ErrorCode.NotFound => HttpStatusCode.NotFound,
        ErrorCode.Unauthenticated => HttpStatusCode.Unauthorized,
        ErrorCode.Forbidden => HttpStatusCode.Forbidden,
        ErrorCode.QuotaExceeded => HttpStatusCode.Forbidden,
        ErrorCode.FailedPrecondition => HttpStatusCode.Conflict,
        ErrorCode.PayloadTooLarge => HttpStatusCode.RequestEntityTooLarge,
        ErrorCode.RateLimited => HttpStatusCode.TooManyRequests,
        ErrorCode.ConcurrencyLimited => HttpStatusCode.TooManyRequests,
        ErrorCode.Overloaded => HttpStatusCode.ServiceUnavailable,
        ErrorCode.Unavailable => HttpStatusCode.ServiceUnavailable,
        ErrorCode.Internal => HttpStatusCode.InternalServerError,
        _ => throw new ArgumentOutOfRangeException(nameof(code), code, null),
    };

    public static StatusCode GrpcStatus(this ErrorCode code) => code switch
    {
        ErrorCode.InvalidArgument => StatusCode.InvalidArgument,
        ErrorCode.InvalidModule => StatusCode.InvalidArgument,
        ErrorCode.PreinitFailed => StatusCode.InvalidArgument,
        ErrorCode.NotFound => StatusCode.NotFound,
        ErrorCode.Unauthenticated => StatusCode.Unauthenticated,
        ErrorCode.Forbidden => StatusCode.PermissionDenied,
        ErrorCode.QuotaExceeded => StatusCode.ResourceExhausted,
        ErrorCode.FailedPrecondition => StatusCode.FailedPrecondition,
        ErrorCode.PayloadTooLarge => StatusCode.ResourceExhausted,
        ErrorCode.RateLimited => StatusCode.ResourceExhausted,
        ErrorCode.ConcurrencyLimited => StatusCode.ResourceExhausted,
        ErrorCode.Overloaded => StatusCode.Unavailable,
        ErrorCode.Unavailable => StatusCode.Unavailable,
        ErrorCode.Internal => StatusCode.Internal,
        _ => throw new ArgumentOutOfRangeException(nameof(code), code, null),
    };

    /// <summary>The human title of a problem document for this code.</summary>
    public static string Title(this ErrorCode code) => code switch
    {
        ErrorCode.InvalidArgument => "Invalid argument",
        ErrorCode.InvalidModule => "Invalid module",
        ErrorCode.PreinitFailed => "Pre-initialisation failed",
        ErrorCode.NotFound => "Not found",
        ErrorCode.Unauthenticated => "Unauthenticated",
        ErrorCode.Forbidden => "Forbidden",
        ErrorCode.QuotaExceeded => "Quota exceeded",
        ErrorCode.FailedPrecondition => "Failed precondition",
        ErrorCode.PayloadTooLarge => "Payload too large",
        ErrorCode.RateLimited => "Rate limited",
        ErrorCode.ConcurrencyLimited => "Concurrency limited",
        ErrorCode.Overloaded => "Overloaded",
        ErrorCode.Unavailable => "Unavailable",
        ErrorCode.Internal => "Internal error",
        _ => throw new ArgumentOutOfRangeException(nameof(code), code, null),
    };

    /// <summary>The problem <c>type</c> URI: <c>urn:platform:error:invalid-argument</c>.</summary>
    public static string ProblemType(this ErrorCode code) =>
        "urn:platform:error:" + code.WireName().ToLowerInvariant().Replace('_', '-');
}
