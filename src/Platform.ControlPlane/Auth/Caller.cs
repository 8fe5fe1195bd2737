namespace Platform.ControlPlane.Auth;

/// <summary>Who made a request, as established from its bearer key.</summary>
public abstract record Caller
{
    private Caller()
    {
    }

    /// <summary>The holder of <c>Platform:AdminKey</c>: manages tenants, keys and quotas; owns no functions.</summary>
    public sealed record Admin : Caller
    {
        public static Admin Instance { get; } = new();
    }

    /// <summary>A tenant key: sees only its tenant's functions.</summary>
    public sealed record Tenant(Guid TenantId, string TenantName, Guid KeyId) : Caller;
}
