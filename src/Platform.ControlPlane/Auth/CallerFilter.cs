using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Platform.ControlPlane.Auth;

/// <summary>
/// REST route-group filter: authenticates the bearer key before anything else (binding aside),
/// requires the admin or a tenant caller, and leaves the caller in <see cref="HttpContext.Items"/>.
/// </summary>
internal sealed class CallerFilter(bool admin) : IEndpointFilter
{
    public static CallerFilter Admin { get; } = new(admin: true);

    public static CallerFilter Tenant { get; } = new(admin: false);

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var authenticator = http.RequestServices.GetRequiredService<IAuthenticator>();
        var caller = await authenticator.AuthenticateAsync(http.Request.Headers.Authorization.ToString(), http.RequestAborted);
        http.Items[typeof(Caller)] = admin ? caller.RequireAdmin() : caller.RequireTenant();
        return await next(context);
    }
}

internal static class HttpContextCallerExtensions
{
    public static Caller.Tenant TenantCaller(this HttpContext http) =>
        http.Items[typeof(Caller)] as Caller.Tenant ?? throw new InvalidOperationException("the tenant filter did not run");
}
