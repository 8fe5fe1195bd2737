using System.Threading.RateLimiting;
using Platform.ControlPlane.Errors;
using Platform.ControlPlane.Quotas;

namespace Platform.ControlPlane.Limits;

/// <summary>
/// Per-tenant admission for invocations: a token bucket (<c>invocationsPerSecond</c> refill,
/// <c>burst</c> size) and a concurrency limit (<c>maxConcurrency</c>, no queue). The limiters of a
/// tenant are built from its effective quotas and rebuilt when a call presents different ones, so
/// a quota change applies to the next invocation without a restart (a rebuilt bucket starts full;
/// calls already running keep counting against the old concurrency limiter until they end).
/// The bucket refills from <see cref="TimeProvider"/> timestamps, so tests drive it with fake time.
/// </summary>
internal sealed class TenantLimits(TimeProvider time) : IDisposable
{
    private readonly PerTenantLimiters<LimitKey, TenantLimiters> _tenants = new(key => new TenantLimiters(key, time));

    /// <summary>
    /// Takes a token and a concurrency slot, or throws <see cref="ErrorCode.RateLimited"/> /
    /// <see cref="ErrorCode.ConcurrencyLimited"/> at once. Dispose the lease when the call ends.
    /// </summary>
    public IDisposable Acquire(Guid tenantId, EffectiveQuotas quotas)
    {
        var limiters = _tenants.For(tenantId, new LimitKey(quotas.InvocationsPerSecond, quotas.Burst, quotas.MaxConcurrency));
        var concurrency = limiters.Concurrency.AttemptAcquire();
        if (!concurrency.IsAcquired)
        {
            concurrency.Dispose();
            // No queue, so no known time; one second is a hint a client can back off from.
            throw new PlatformException(ErrorCode.ConcurrencyLimited, $"the tenant already runs {limiters.Key.MaxConcurrency} invocations at once (its maxConcurrency quota)")
            {
                RetryAfter = TimeSpan.FromSeconds(1),
            };
        }

        using (var token = limiters.Bucket.AttemptAcquire())
        {
            if (!token.IsAcquired)
            {
                concurrency.Dispose();
                throw TokenBuckets.Refused(token, $"the tenant's rate of {limiters.Key.InvocationsPerSecond} invocations per second (burst {limiters.Key.Burst}) is exhausted");
            }
        }

        return concurrency;
    }

    /// <summary>Drops a tenant's limiters (the tenant was deleted).</summary>
    public void Forget(Guid tenantId) => _tenants.Forget(tenantId);

    /// <summary>Whether the tenant has limiters here.</summary>
    public bool Holds(Guid tenantId) => _tenants.Holds(tenantId);

    public void Dispose() => _tenants.Dispose();

    private readonly record struct LimitKey(int InvocationsPerSecond, int Burst, int MaxConcurrency);

    /// <summary>The limiters built from one set of quotas.</summary>
    private sealed class TenantLimiters(LimitKey key, TimeProvider time) : IDisposable
    {
        public LimitKey Key { get; } = key;

        public RateLimiter Bucket { get; } = new TimeProviderTokenBucket(time, Math.Max(1, key.InvocationsPerSecond), Math.Max(1, key.Burst));

        public ConcurrencyLimiter Concurrency { get; } = new(new ConcurrencyLimiterOptions
        {
            PermitLimit = Math.Max(1, key.MaxConcurrency),
            QueueLimit = 0,
        });

        // Not the concurrency limiter: leases of running calls still release into it.
        public void Dispose() => Bucket.Dispose();
    }
}
