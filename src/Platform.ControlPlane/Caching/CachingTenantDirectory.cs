using Platform.ControlPlane.Database;
using Platform.ControlPlane.Quotas;
using Platform.ControlPlane.Tenants;

namespace Platform.ControlPlane.Caching;

/// <summary><see cref="ITenantDirectory"/> with effective quotas cached, like <see cref="CachingFunctionCatalog"/>.</summary>
internal sealed class CachingTenantDirectory(TenantStore store, MetadataCache cache) : ITenantDirectory
{
    public async Task<Guid?> FindIdAsync(string name, CancellationToken cancellationToken)
    {
        if (cache.Authoritative && cache.TryGetTenantId(name, out var cached))
            return cached;
        var generation = cache.Generation;
        Guid? id;
        try
        {
            id = await store.FindIdAsync(name, cancellationToken);
        }
        catch (Exception ex) when (DbErrors.IsUnavailable(ex) && cache.TryGetTenantId(name, out var stale))
        {
            return stale;
        }

        if (id is { } found)
            cache.PutTenantId(generation, name, found);
        return id;
    }

    public async Task<EffectiveQuotas?> GetQuotasAsync(Guid tenantId, CancellationToken cancellationToken)
    {
        if (cache.Authoritative && cache.TryGetQuotas(tenantId, out var cached))
            return cached;
        var generation = cache.Generation;
        EffectiveQuotas? quotas;
        try
        {
            quotas = await store.GetQuotasAsync(tenantId, cancellationToken);
        }
        catch (Exception ex) when (DbErrors.IsUnavailable(ex) && cache.TryGetQuotas(tenantId, out var stale))
        {
            return stale;
        }

        if (quotas is not null)
            cache.PutQuotas(generation, tenantId, quotas);
        return quotas;
    }
}
