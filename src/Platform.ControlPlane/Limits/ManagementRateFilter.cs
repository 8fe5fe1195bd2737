using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Platform.ControlPlane.Auth;
using Platform.ControlPlane.Tenants;

namespace Platform.ControlPlane.Limits;

/// <summary>REST route filter after the caller middleware (<see cref="Auth.CallerRequirement.TenantManagement"/>): a tenant key's management call passes <see cref="ManagementLimits"/>.</summary>
internal sealed class ManagementRateFilter : IEndpointFilter
{
    public static ManagementRateFilter Instance { get; } = new();

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var limits = http.RequestServices.GetRequiredService<ManagementLimits>();
        await limits.AdmitAsync(http.RequestServices.GetRequiredService<ITenantDirectory>(), http.TenantCaller().TenantId, http.RequestAborted);
        return await next(context);
    }
}
