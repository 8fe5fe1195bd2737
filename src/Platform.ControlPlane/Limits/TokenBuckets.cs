using System.Threading.RateLimiting;
using Platform.ControlPlane.Errors;

namespace Platform.ControlPlane.Limits;

internal static class TokenBuckets
{
    /// <summary>RATE_LIMITED for a refused lease, with its retry-after in whole seconds (at least 1, as <c>Retry-After</c> counts).</summary>
    public static PlatformException Refused(RateLimitLease lease, string message)
    {
        ArgumentNullException.ThrowIfNull(lease);
        var wait = lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.Zero;
        return new PlatformException(ErrorCode.RateLimited, message)
        {
            RetryAfter = TimeSpan.FromSeconds(Math.Max(1, Math.Ceiling(wait.TotalSeconds))),
        };
    }
}
