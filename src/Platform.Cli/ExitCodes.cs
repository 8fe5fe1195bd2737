using System.Net;
using Platform.Runtime;

namespace Platform.Cli;

/// <summary>
/// Process exit codes, one per outcome, so scripts can branch on them. 1 is an unexpected
/// failure of the tool itself (or a server error without a platform code, e.g. INTERNAL);
/// 2 a command line that does not parse or options that do not make sense; 3 a replay that did
/// not reproduce production.
/// </summary>
/// <remarks>
/// Function outcomes are 10-16, platform codes 20-30. A platform that cannot be reached at all
/// (connection refused or reset, name not resolved, no answer within the request timeout) is
/// <see cref="Unavailable"/> (29), as gRPC clients report it: it is the "try again later, or
/// check --url" condition scripts want to tell apart from a rejection.
/// </remarks>
internal static class ExitCodes
{
    public const int Ok = 0;
    public const int Failure = 1;
    public const int Usage = 2;

    /// <summary><c>platformctl replay</c>: the local run differs from production (outcome, exit code, output, logs or fuel).</summary>
    public const int ReplayDiffers = 3;
    public const int InvalidArgument = 20;
    public const int NotFound = 21;
    public const int Unauthenticated = 22;
    public const int Forbidden = 23;
    public const int RateLimited = 24;
    public const int ConcurrencyLimited = 25;
    public const int Overloaded = 26;
    public const int QuotaExceeded = 27;
    public const int PayloadTooLarge = 28;
    public const int Unavailable = 29;
    public const int FailedPrecondition = 30;

    public static int For(Outcome outcome) => outcome switch
    {
        Outcome.Ok => Ok,
        Outcome.OutOfFuel => 10,
        Outcome.Timeout => 11,
        Outcome.MemoryLimit => 12,
        Outcome.Trap => 13,
        Outcome.ExitNonzero => 14,
        Outcome.OutputLimit => 15,
        Outcome.InvalidModule => 16,
        Outcome.FunctionError => 17,
        _ => Failure,
    };

    /// <summary>The exit code of a wire code (<c>OUT_OF_FUEL</c>, <c>NOT_FOUND</c>, ...); 1 for one this tool does not know.</summary>
    public static int ForCode(string? code)
    {
        if (code is null) return Failure;
        if (OutcomeCodes.TryParse(code, out var outcome)) return For(outcome);
        return code.ToUpperInvariant() switch
        {
            "INVALID_ARGUMENT" => InvalidArgument,
            "NOT_FOUND" => NotFound,
            "UNAUTHENTICATED" => Unauthenticated,
            "FORBIDDEN" => Forbidden,
            "RATE_LIMITED" => RateLimited,
            "CONCURRENCY_LIMITED" => ConcurrencyLimited,
            "OVERLOADED" => Overloaded,
            "QUOTA_EXCEEDED" => QuotaExceeded,
            "PAYLOAD_TOO_LARGE" => PayloadTooLarge,
            "UNAVAILABLE" => Unavailable,
            "FAILED_PRECONDITION" => FailedPrecondition,
            _ => Failure,
        };
    }

    /// <summary>The platform code an HTTP status stands for when a response carries no problem document (a proxy's answer, say).</summary>
    public static string? CodeForStatus(HttpStatusCode status) => status switch
    {
        HttpStatusCode.BadRequest => "INVALID_ARGUMENT",
        HttpStatusCode.Unauthorized => "UNAUTHENTICATED",
        HttpStatusCode.Forbidden => "FORBIDDEN",
        HttpStatusCode.NotFound => "NOT_FOUND",
        HttpStatusCode.Conflict => "FAILED_PRECONDITION",
        HttpStatusCode.RequestEntityTooLarge => "PAYLOAD_TOO_LARGE",
        HttpStatusCode.TooManyRequests => "RATE_LIMITED",
        HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout => "UNAVAILABLE",
        _ => null,
    };
}
