using Platform.ControlPlane.Quotas;

namespace Platform.ControlPlane.Tenants;

/// <summary>Read path for other components (invoke routing): a tenant's id and effective quotas.</summary>
public interface ITenantDirectory
{
    /// <summary>The id of the tenant with that name, or null when there is none (the HTTP trigger addresses tenants by name).</summary>
    Task<Guid?> FindIdAsync(string name, CancellationToken cancellationToken);

    /// <summary>The effective quotas, or null when the tenant no longer exists.</summary>
    Task<EffectiveQuotas?> GetQuotasAsync(Guid tenantId, CancellationToken cancellationToken);
}
