using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Platform.ControlPlane.Auth;
using Platform.ControlPlane.Errors;
using Platform.ControlPlane.Functions;
using Platform.ControlPlane.Invocation;
using Platform.ControlPlane.Quotas;
using Platform.ControlPlane.Tenants;
using Platform.Runtime;

namespace Platform.ControlPlane.HttpTrigger;

/// <summary>
/// Serves one HTTP request with a function: resolve -> admit (public, or the tenant's key) -> read
/// the body within <c>maxInputBytes</c> -> the invoke path with the CGI variables -> the CGI
/// response. Platform refusals go to the problem middleware; every answer, those included,
/// carries <c>Platform-Invocation-Id</c>.
/// </summary>
internal sealed class HttpTriggerHandler(IAuthenticator authenticator, ITenantDirectory tenants, InvocationRouter router)
{
    /// <param name="address">Null when the raw target is not a function's address at all (404).</param>
    public async Task HandleAsync(HttpContext http, HttpAddress? address)
    {
        var started = Stopwatch.GetTimestamp();
        var cancellationToken = http.RequestAborted;
        var invocationId = Guid.NewGuid().ToString("N");
        // OnStarting runs after the problem middleware's Response.Clear(), so refusals carry the id too.
        http.Response.OnStarting(
            static state =>
            {
                var (context, id) = ((HttpContext, string))state;
                context.Response.Headers[InvocationHeaders.InvocationId] = id;
                return Task.CompletedTask;
            },
            (http, invocationId));

        if (address is null) throw NotFound();
        var (tenant, function, quotas) = await AdmitAsync(http, address, cancellationToken);
        var reply = await RequestBody.ReadAndInvokeAsync(
            http,
            router,
            tenant,
            function,
            quotas,
            InvocationTrigger.Http,
            body => new InvocationInput(body, InvocationTrigger.Http)
            {
                Environment = CgiEnvironment.Build(http, address, body.Length),
                InvocationId = invocationId,
            },
            started);
        await HttpTriggerResponse.WriteAsync(http, reply, address.SharedOrigin, cancellationToken);
    }

    /// <summary>
    /// A public HTTP function admits anyone. Anything else needs the tenant's key first, so that
    /// without it a missing function, one without <c>http</c> and a key-protected one all look alike
    /// (401); with a key, any of them but the last is the same 404.
    /// </summary>
    private async Task<(InvocationTenant Tenant, ResolvedFunction Function, EffectiveQuotas Quotas)> AdmitAsync(HttpContext http, HttpAddress address, CancellationToken cancellationToken)
    {
        var tenantId = address.IsWellFormed ? await tenants.FindIdAsync(address.Tenant, cancellationToken) : null;
        var tenant = new InvocationTenant(tenantId ?? Guid.Empty, address.Tenant);
        ResolvedFunction? function = null;
        EffectiveQuotas? quotas = null;
        if (tenantId is not null)
        {
            try
            {
                (function, quotas) = await router.ResolveAsync(tenant, address.Function, cancellationToken);
            }
            catch (PlatformException ex) when (ex.Code is ErrorCode.NotFound or ErrorCode.Unauthenticated)
            {
                // Deleted meanwhile or never there: answered below like any other unknown function.
            }
        }

        if (!await authenticator.AdmitsHttpCallAsync(http, tenantId, function?.Config.Http))
            throw NotFound();
        return (tenant, function!, quotas!);
    }

    private static PlatformException NotFound() => PlatformException.NotFound("no function serves HTTP at this address");
}
