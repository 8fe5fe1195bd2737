namespace Platform.ControlPlane.Functions;

/// <summary>
/// Read path for invocation routing (cacheable: every change to a tenant's functions is announced
/// with <c>NOTIFY platform_functions, '&lt;tenant id&gt;/&lt;function name&gt;'</c> after its commit).
/// Always scoped by tenant.
/// </summary>
public interface IFunctionCatalog
{
    /// <summary>
    /// Resolves <paramref name="reference"/> (a version number such as "3", an alias such as
    /// "prod", or null for "latest"); null when the function, version or alias does not exist.
    /// </summary>
    Task<ResolvedFunction?> ResolveAsync(Guid tenantId, string name, string? reference, CancellationToken cancellationToken);

    /// <summary>The stored module with that hash, or null.</summary>
    Task<ModuleContent?> GetModuleAsync(string sha256, CancellationToken cancellationToken);
}
