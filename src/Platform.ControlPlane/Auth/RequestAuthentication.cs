using Microsoft.AspNetCore.Http;
using Platform.ControlPlane.Functions;

namespace Platform.ControlPlane.Auth;

/// <summary>
/// Who sent a REST request, read from its <c>Authorization: Bearer</c> header, and who may call a
/// function over HTTP: the caller decisions of <see cref="CallerMiddleware"/> (endpoints with a
/// <see cref="CallerRequirement"/>) and of the HTTP trigger (whose requirement depends on the
/// function its address names) in one place.
/// </summary>
internal static class RequestAuthentication
{
    /// <exception cref="Errors.PlatformException">UNAUTHENTICATED when the key is missing, malformed, unknown or revoked.</exception>
    public static Task<Caller> AuthenticateAsync(this IAuthenticator authenticator, HttpContext http) =>
        authenticator.AuthenticateAsync(http.Request.Headers.Authorization.ToString(), http.RequestAborted);

    /// <summary>
    /// A public HTTP function admits anyone, whatever key comes along. Anything else needs the key of
    /// <paramref name="owner"/> (the tenant the address names, null when there is none) and a
    /// function that serves HTTP (<paramref name="trigger"/>); false otherwise.
    /// </summary>
    /// <exception cref="Errors.PlatformException">UNAUTHENTICATED when a key is needed and missing, malformed, unknown or revoked.</exception>
    public static async Task<bool> AdmitsHttpCallAsync(this IAuthenticator authenticator, HttpContext http, Guid? owner, HttpTriggerConfig? trigger)
    {
        if (trigger is { Public: true }) return true;
        var caller = await authenticator.AuthenticateAsync(http);
        return caller is Caller.Tenant tenant && tenant.TenantId == owner && trigger is not null;
    }
}
