using Platform.ControlPlane.Keys;
using Platform.ControlPlane.Quotas;

namespace Platform.ControlPlane.Tenants;

/// <summary>A tenant with its quota overrides and the effective quotas they give.</summary>
public sealed record Tenant(Guid Id, string Name, DateTimeOffset CreatedAt, EffectiveQuotas Quotas, QuotaSet QuotaOverrides);

/// <summary>A tenant just created, with its first key (shown once).</summary>
public sealed record CreatedTenant(Tenant Tenant, IssuedApiKey ApiKey);
