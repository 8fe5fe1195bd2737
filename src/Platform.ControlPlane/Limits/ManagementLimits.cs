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
    private readonly PerTenantLimiters<Rate, RateLimiter> _tenants = new(rate => new TimeProviderTokenBucket(time, Math.Max(1, rate.PerSecond), Math.Max(1, rate.Burst)));

    /// <summary>Takes a token or throws <see cref="ErrorCode.RateLimited"/> with the time until the next one.</summary>
    public void Acquire(Guid tenantId, EffectiveQuotas quotas)
    {
        ArgumentNullException.ThrowIfNull(quotas);
        var rate = new Rate(quotas.ManagementCallsPerSecond, quotas.ManagementBurst);
        using var lease = _tenants.For(tenantId, rate).AttemptAcquire();
        if (!lease.IsAcquired)
            throw TokenBuckets.Refused(lease, $"the tenant's rate of {rate.PerSecond} management calls per second (burst {rate.Burst}) is exhausted");
    }

    /// <summary>Admits a tenant key's management call against its current quotas (a tenant that no longer exists fails later, not here).</summary>
    public async Task AdmitAsync(ITenantDirectory tenants, Guid tenantId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tenants);
        if (await tenants.GetQuotasAsync(tenantId, cancellationToken) is { } quotas)
            Acquire(tenantId, quotas);
    }

    /// <summary>Drops a tenant's bucket (the tenant was deleted).</summary>
    public void Forget(Guid tenantId) => _tenants.Forget(tenantId);

    /// <summary>Whether the tenant has a bucket here.</summary>
    public bool Holds(Guid tenantId) => _tenants.Holds(tenantId);

    public void Dispose() => _tenants.Dispose();

    private readonly record struct Rate(int PerSecond, int Burst);
}
