using Platform.ControlPlane.Database;
using Platform.ControlPlane.Functions;

namespace Platform.ControlPlane.Caching;

/// <summary>
/// <see cref="IFunctionCatalog"/> with resolved functions cached (see <see cref="MetadataCache"/>):
/// served from memory while the change listener is connected; read from PostgreSQL otherwise, with
/// the cached entry as the answer when PostgreSQL cannot be reached. Module bytes are not cached
/// (workers keep them).
/// </summary>
internal sealed class CachingFunctionCatalog(FunctionStore store, MetadataCache cache) : IFunctionCatalog
{
    public async Task<ResolvedFunction?> ResolveAsync(Guid tenantId, string name, string? reference, CancellationToken cancellationToken)
    {
        if (cache.Authoritative && cache.TryGetFunction(tenantId, name, reference, out var cached))
            return cached;
        var generation = cache.Generation;
        ResolvedFunction? resolved;
        try
        {
            resolved = await store.ResolveAsync(tenantId, name, reference, cancellationToken);
        }
        catch (Exception ex) when (DbErrors.IsUnavailable(ex) && cache.TryGetFunction(tenantId, name, reference, out var stale))
        {
            return stale;
        }

        if (resolved is not null)
            cache.PutFunction(generation, tenantId, name, reference, resolved);
        return resolved;
    }

    public Task<ModuleContent?> GetModuleAsync(string sha256, CancellationToken cancellationToken) => store.GetModuleAsync(sha256, cancellationToken);
}
