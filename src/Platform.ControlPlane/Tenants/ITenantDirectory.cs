using Platform.ControlPlane.Quotas;

namespace Platform.ControlPlane.Tenants;

/// <summary>Read path for other components (invoke routing): a tenant's effective quotas.</summary>
public interface ITenantDirectory
{
    /// <summary>The effective quotas, or null when the tenant no longer exists.</summary>
    Task<EffectiveQuotas?> GetQuotasAsync(Guid tenantId, CancellationToken cancellationToken);
}
