using System.Collections.Concurrent;

namespace Platform.ControlPlane.Limits;

/// <summary>
/// The bookkeeping every per-tenant limit shares: a tenant's limiters are built from the quotas
/// they follow (<typeparamref name="TKey"/>), rebuilt when a call presents different ones (so a
/// quota change applies to the next call; rebuilt limiters start full), and disposed when the
/// tenant is deleted.
/// </summary>
internal sealed class PerTenantLimiters<TKey, TLimiters>(Func<TKey, TLimiters> build) : IDisposable
    where TKey : struct, IEquatable<TKey>
    where TLimiters : IDisposable
{
    private readonly ConcurrentDictionary<Guid, Entry> _tenants = new();
    private readonly Lock _gate = new();

    /// <summary>The tenant's limiters for <paramref name="key"/>: the current ones, or new ones replacing those built from other quotas.</summary>
    public TLimiters For(Guid tenantId, TKey key)
    {
        if (_tenants.TryGetValue(tenantId, out var existing) && existing.Key.Equals(key))
            return existing.Limiters;
        lock (_gate)
        {
            if (_tenants.TryGetValue(tenantId, out existing) && existing.Key.Equals(key))
                return existing.Limiters;
            var built = new Entry(key, build(key));
            _tenants[tenantId] = built;
            existing?.Limiters.Dispose();
            return built.Limiters;
        }
    }

    /// <summary>Whether the tenant has limiters here.</summary>
    public bool Holds(Guid tenantId) => _tenants.ContainsKey(tenantId);

    /// <summary>Drops a tenant's limiters (the tenant was deleted).</summary>
    public void Forget(Guid tenantId)
    {
        if (_tenants.TryRemove(tenantId, out var removed))
            removed.Limiters.Dispose();
    }

    public void Dispose()
    {
        foreach (var entry in _tenants.Values)
            entry.Limiters.Dispose();
        _tenants.Clear();
    }

    private sealed record Entry(TKey Key, TLimiters Limiters);
}
