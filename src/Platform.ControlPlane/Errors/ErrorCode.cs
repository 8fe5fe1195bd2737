namespace Platform.ControlPlane.Errors;

/// <summary>
/// The platform-level error codes (the outcome table of the README). On the wire they are upper snake case
/// (<c>INVALID_ARGUMENT</c>): the <c>code</c> member of a problem document and the
/// <c>reason</c> of a gRPC <c>google.rpc.ErrorInfo</c>.
/// </summary>
public enum ErrorCode
{
    InvalidArgument,
    InvalidModule,
    PreinitFailed,
    NotFound,
    Unauthenticated,
    Forbidden,
    QuotaExceeded,
    FailedPrecondition,
    PayloadTooLarge,
    RateLimited,
    ConcurrencyLimited,
    Overloaded,
    Unavailable,
    Internal,
}
