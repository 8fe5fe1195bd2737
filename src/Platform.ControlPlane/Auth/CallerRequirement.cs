using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Platform.ControlPlane.Auth;

/// <summary>Whose key an endpoint takes.</summary>
internal enum CallerRole
{
    Admin,
    Tenant,
}

/// <summary>How large a body an authenticated caller may send to an endpoint.</summary>
internal enum BodyAllowance
{
    /// <summary><see cref="ControlPlaneOptions.MaxRequestBodyBytes"/>.</summary>
    Management,

    /// <summary>The tenant's <c>maxInputBytes</c> plus <see cref="ControlPlaneOptions.EnvelopeOverheadBytes"/>.</summary>
    Invocation,

    /// <summary>The tenant's <c>maxModuleBytes</c>, the largest asset archive its asset quotas allow, and <see cref="ControlPlaneOptions.MultipartOverheadBytes"/>.</summary>
    Upload,
}

/// <summary>
/// Endpoint metadata read by <see cref="CallerMiddleware"/>: the endpoint needs an authenticated
/// caller of <paramref name="Role"/>, whose body may then be as large as <paramref name="Body"/>
/// allows. The most specific one wins (an endpoint's own over its group's).
/// </summary>
internal sealed record CallerRequirement(CallerRole Role, BodyAllowance Body)
{
    public static CallerRequirement AdminManagement { get; } = new(CallerRole.Admin, BodyAllowance.Management);

    public static CallerRequirement TenantManagement { get; } = new(CallerRole.Tenant, BodyAllowance.Management);

    public static CallerRequirement TenantInvocation { get; } = new(CallerRole.Tenant, BodyAllowance.Invocation);

    public static CallerRequirement TenantUpload { get; } = new(CallerRole.Tenant, BodyAllowance.Upload);
}

internal static class CallerRequirementExtensions
{
    /// <summary>The endpoints need an authenticated caller of <paramref name="requirement"/>'s role (see <see cref="CallerMiddleware"/>).</summary>
    public static TBuilder RequireCaller<TBuilder>(this TBuilder builder, CallerRequirement requirement)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(requirement);
}

internal static class HttpContextCallerExtensions
{
    /// <summary>The caller <see cref="CallerMiddleware"/> established for this request.</summary>
    public static Caller Caller(this HttpContext http) =>
        http.Items[typeof(Caller)] as Caller ?? throw new InvalidOperationException("the endpoint has no CallerRequirement: nobody authenticated the caller");

    public static Caller.Tenant TenantCaller(this HttpContext http) => http.Caller().RequireTenant();
}
