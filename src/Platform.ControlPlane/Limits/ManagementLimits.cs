using System.Collections.Concurrent;
using System.Threading.RateLimiting;
using Platform.ControlPlane.Errors;
using Platform.ControlPlane.Quotas;
using Platform.ControlPlane.Tenants;

namespace Platform.ControlPlane.Limits;

/// <summary>
/// Per-tenant token bucket for management calls (everything a tenant key does but invoke):
/// <c>managementCallsPerSecond</c> refill, <c>managementBurst</c> size. Kept apart from the
/// invocation bucket so a deploy loop cannot starve invocations, nor invocations block a rollback.
/// Rebuilt (full) when the tenant's quotas change; refills from <see cref="TimeProvider"/>.
/// </summary>
internal sealed class ManagementLimits(TimeProvider time) : IDisposable
{
    private readonly ConcurrentDictionary<Guid, Bucket> _tenants = new();
    private readonly Lock _gate = new();

    /// <summary>Takes a token or throws <see cref="ErrorCode.RateLimited"/> with the time until the next one.</summary>
    public void Acquire(Guid tenantId, EffectiveQuotas quotas)
    {
        ArgumentNullException.ThrowIfNull(quotas);
        var bucket = For(tenantId, quotas.ManagementCallsPerSecond, quotas.ManagementBurst);
        using var lease = bucket.Limiter.AttemptAcquire();
        if (!lease.IsAcquired)
            throw TokenBuckets.Refused(lease, $"the tenant's rate of {bucket.Rate} management calls per second (burst {bucket.Burst}) is exhausted");
    }

    /// <summary>Admits a tenant key's management call against its current quotas (a tenant that no longer exists fails later, not here).</summary>
    public async Task AdmitAsync(ITenantDirectory tenants, Guid tenantId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tenants);
        if (await tenants.GetQuotasAsync(tenantId, cancellationToken) is { } quotas)
            Acquire(tenantId, quotas);
    }

    public void Dispose()
    {
        foreach (var bucket in _tenants.Values)
            bucket.Limiter.Dispose();
        _tenants.Clear();
    }

    private Bucket For(Guid tenantId, int rate, int burst)
    {
        if (_tenants.TryGetValue(tenantId, out var existing) && existing.Rate == rate && existing.Burst == burst)
            return existing;
        lock (_gate)
        {
            if (_tenants.TryGetValue(tenantId, out existing) && existing.Rate == rate && existing.Burst == burst)
                return existing;
            var built = new Bucket(rate, burst, new TimeProviderTokenBucket(time, Math.Max(1, rate), Math.Max(1, burst)));
            _tenants[tenantId] = built;
            existing?.Limiter.Dispose();
            return built;
        }
    }

    private sealed record Bucket(int Rate, int Burst, RateLimiter Limiter);
}
