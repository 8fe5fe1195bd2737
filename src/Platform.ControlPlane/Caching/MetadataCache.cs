using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Platform.ControlPlane.Auth;
using Platform.ControlPlane.Functions;
using Platform.ControlPlane.Quotas;

namespace Platform.ControlPlane.Caching;

/// <summary>
/// In-memory function metadata, quotas and API keys. Every change is announced by PostgreSQL
/// NOTIFY after its commit (<c>platform_functions</c>: tenant/function; <c>platform_tenants</c>:
/// tenant, for quotas, key revocations and deletions) and applied here by
/// <see cref="MetadataChangeListener"/> on every replica, and directly by the replica that made
/// the change. Entries are authoritative only while the listener is connected (no notification
/// can be missed); otherwise reads go to PostgreSQL and the cache is only the fallback when
/// PostgreSQL cannot be reached. A fill that raced with an invalidation is dropped (generation check).
/// A key is served from memory only for <see cref="MetadataCacheOptions.KeyMaxAge"/> after PostgreSQL
/// last confirmed it, so a revocation whose NOTIFY was lost still takes effect within that bound.
/// </summary>
internal sealed class MetadataCache(IOptions<MetadataCacheOptions> options, TimeProvider time)
{
    private readonly ConcurrentDictionary<(Guid Tenant, string Name, string Reference), ResolvedFunction> _functions = new();
    private readonly ConcurrentDictionary<Guid, EffectiveQuotas> _quotas = new();
    private readonly ConcurrentDictionary<string, CachedKey> _keys = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Guid> _tenantIds = new(StringComparer.Ordinal);
    private long _generation;
    private volatile bool _listening;

    public bool Enabled => options.Value.Enabled;

    /// <summary>True while the change listener is connected: cached entries may be served without asking PostgreSQL.</summary>
    public bool Authoritative => _listening && Enabled;

    public long Generation => Interlocked.Read(ref _generation);

    public bool TryGetFunction(Guid tenant, string name, string? reference, out ResolvedFunction function) =>
        _functions.TryGetValue((tenant, name, reference ?? string.Empty), out function!);

    public void PutFunction(long generation, Guid tenant, string name, string? reference, ResolvedFunction function)
    {
        if (!Enabled) return;
        Bound(_functions);
        _functions[(tenant, name, reference ?? string.Empty)] = function;
        if (Generation != generation) _functions.TryRemove((tenant, name, reference ?? string.Empty), out _);
    }

    public bool TryGetQuotas(Guid tenant, out EffectiveQuotas quotas) => _quotas.TryGetValue(tenant, out quotas!);

    public void PutQuotas(long generation, Guid tenant, EffectiveQuotas quotas)
    {
        if (!Enabled) return;
        Bound(_quotas);
        _quotas[tenant] = quotas;
        if (Generation != generation) _quotas.TryRemove(tenant, out _);
    }

    /// <summary>A key PostgreSQL confirmed at some time (the fallback during an outage).</summary>
    public bool TryGetKey(string keyHash, out Caller.Tenant caller)
    {
        var found = _keys.TryGetValue(keyHash, out var cached);
        caller = cached?.Caller!;
        return found;
    }

    /// <summary>A key that may be trusted without asking PostgreSQL: the cache is authoritative and PostgreSQL confirmed it within <see cref="MetadataCacheOptions.KeyMaxAge"/>.</summary>
    public bool TryGetFreshKey(string keyHash, out Caller.Tenant caller)
    {
        caller = null!;
        if (!Authoritative || !_keys.TryGetValue(keyHash, out var cached)
            || time.GetElapsedTime(cached.ConfirmedAt) >= options.Value.KeyMaxAge)
            return false;
        caller = cached.Caller;
        return true;
    }

    public void PutKey(long generation, string keyHash, Caller.Tenant caller)
    {
        if (!Enabled) return;
        Bound(_keys);
        _keys[keyHash] = new CachedKey(caller, time.GetTimestamp());
        if (Generation != generation) _keys.TryRemove(keyHash, out _);
    }

    public bool TryGetTenantId(string name, out Guid tenant) => _tenantIds.TryGetValue(name, out tenant);

    public void PutTenantId(long generation, string name, Guid tenant)
    {
        if (!Enabled) return;
        Bound(_tenantIds);
        _tenantIds[name] = tenant;
        if (Generation != generation) _tenantIds.TryRemove(name, out _);
    }

    /// <summary>A function was deployed, aliased or deleted.</summary>
    public void FunctionChanged(Guid tenant, string name)
    {
        Interlocked.Increment(ref _generation);
        foreach (var key in _functions.Keys)
        {
            if (key.Tenant == tenant && key.Name == name)
                _functions.TryRemove(key, out _);
        }
    }

    /// <summary>A tenant's quotas or keys changed, or it was deleted: everything of that tenant goes.</summary>
    public void TenantChanged(Guid tenant)
    {
        Interlocked.Increment(ref _generation);
        _quotas.TryRemove(tenant, out _);
        foreach (var key in _functions.Keys)
        {
            if (key.Tenant == tenant)
                _functions.TryRemove(key, out _);
        }

        foreach (var (hash, cached) in _keys)
        {
            if (cached.Caller.TenantId == tenant)
                _keys.TryRemove(hash, out _);
        }

        foreach (var (name, id) in _tenantIds)
        {
            if (id == tenant)
                _tenantIds.TryRemove(name, out _);
        }
    }

    /// <summary>The listener (re)connected or lost its connection: notifications may have been missed.</summary>
    public void ListenerStateChanged(bool listening)
    {
        if (listening)
        {
            // Whatever changed while nobody listened is unknown: start again from PostgreSQL.
            Interlocked.Increment(ref _generation);
            _functions.Clear();
            _quotas.Clear();
            _keys.Clear();
            _tenantIds.Clear();
        }

        _listening = listening;
    }

    private void Bound<TKey, TValue>(ConcurrentDictionary<TKey, TValue> entries) where TKey : notnull
    {
        if (entries.Count >= options.Value.MaxEntries)
            entries.Clear();
    }

    private sealed record CachedKey(Caller.Tenant Caller, long ConfirmedAt);
}
