using Grpc.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Platform.ControlPlane.Database;
using Platform.ControlPlane.Errors;
using Platform.ControlPlane.Tenants;
using Platform.Hosting;

namespace Platform.ControlPlane.Auth;

/// <summary>
/// The one place callers are authenticated, REST and gRPC alike: for an endpoint with a
/// <see cref="CallerRequirement"/>, the <c>Authorization: Bearer</c> header is checked before the
/// endpoint runs, so no body is read for a caller who is not known. A refusal is a problem
/// document (REST: 401/403, and the connection closes instead of draining the unread body) or a
/// trailers-only gRPC status (UNAUTHENTICATED / PERMISSION_DENIED). An accepted caller is left in
/// <see cref="HttpContext.Items"/> and the request's body limit becomes what that caller may send
/// (Kestrel's for REST, <see cref="GrpcBodyLimit"/> for gRPC).
/// Before this runs, Kestrel's global limit (<see cref="ControlPlaneOptions.MaxRequestBodyBytes"/>)
/// is the most any request can carry.
/// </summary>
internal sealed class CallerMiddleware(RequestDelegate next, IAuthenticator authenticator, ITenantDirectory tenants, IOptions<ControlPlaneOptions> options)
{
    public async Task InvokeAsync(HttpContext http)
    {
        var requirement = http.GetEndpoint()?.Metadata.GetMetadata<CallerRequirement>();
        if (requirement is null)
        {
            await next(http);
            return;
        }

        Caller caller;
        long limit;
        try
        {
            caller = await authenticator.AuthenticateAsync(http);
            caller = requirement.Role == CallerRole.Admin ? caller.RequireAdmin() : caller.RequireTenant();
            limit = await BodyLimitAsync(caller, requirement.Body, http.RequestAborted);
        }
        catch (Exception ex) when (GrpcEdge.IsGrpc(http.Request) && Code(ex) is { } code)
        {
            await GrpcEdge.WriteStatusAsync(http, code.GrpcStatus(), code.WireName(), ex is PlatformException ? ex.Message : "the platform's database is unavailable; retry later");
            return;
        }
        catch (PlatformException)
        {
            // The problem document replaces the headers; this survives it.
            http.Response.OnStarting(static state =>
            {
                ((HttpResponse)state).Headers.Connection = "close";
                return Task.CompletedTask;
            }, http.Response);
            throw;
        }

        http.Items[typeof(Caller)] = caller;
        var grpc = GrpcEdge.IsGrpc(http.Request);
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
            size.MaxRequestBodySize = grpc ? null : limit;
        if (grpc)
            http.Features.Set<IRequestBodyPipeFeature>(new GrpcBodyLimit(http.Request.BodyReader, limit));
        await next(http);
    }

    private static ErrorCode? Code(Exception ex) => ex switch
    {
        PlatformException platform => platform.Code,
        _ when DbErrors.IsUnavailable(ex) => ErrorCode.Unavailable,
        _ => null,
    };

    private async Task<long> BodyLimitAsync(Caller caller, BodyAllowance body, CancellationToken cancellationToken)
    {
        var o = options.Value;
        if (body == BodyAllowance.Management || caller is not Caller.Tenant tenant)
            return o.MaxRequestBodyBytes;
        var quotas = await tenants.GetQuotasAsync(tenant.TenantId, cancellationToken)
            ?? throw new PlatformException(ErrorCode.Unauthenticated, "the key's tenant no longer exists");
        return body == BodyAllowance.Invocation
            ? quotas.MaxInputBytes + o.EnvelopeOverheadBytes
            : quotas.MaxModuleBytes + Assets.AssetUpload.ArchiveLimit(quotas) + o.MultipartOverheadBytes;
    }
}
