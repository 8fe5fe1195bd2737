using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Platform.ControlPlane.Auth;
using Platform.ControlPlane.Cluster;
using Platform.ControlPlane.Errors;
using Platform.ControlPlane.HttpTrigger;
using Platform.ControlPlane.Json;
using Platform.ControlPlane.Limits;
using Platform.ControlPlane.Paging;
using Platform.ControlPlane.Rest;
using Platform.ControlPlane.Tenants;
using Platform.ControlPlane.Validation;

namespace Platform.ControlPlane.Functions;

internal sealed record FunctionListResponse(IReadOnlyList<FunctionSummary> Functions, [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? NextCursor);

internal sealed record SetAliasRequest(int? Version);

/// <summary>Tenant routes under <c>/v1/functions</c>.</summary>
internal static class FunctionRest
{
    public static void Map(RouteGroupBuilder v1)
    {
        var functions = v1.MapGroup("/functions")
            .RequireCaller(CallerRequirement.TenantManagement)
            .AddEndpointFilter(ManagementRateFilter.Instance)
            .WithTags("Functions");

        functions.MapPut("/{name}", DeployAsync)
            .RequireCaller(CallerRequirement.TenantUpload)
            .DocumentsBody<byte[]>("application/wasm", "text/plain", "multipart/form-data")
            .Produces<FunctionVersionInfo>(StatusCodes.Status201Created)
            .WithSummary("Deploy the next version of a function (module as application/wasm, WAT as text/plain, or multipart 'module' + 'config' + 'assets' (.tar or .tar.gz))");
        functions.MapGet("", ListAsync).Produces<FunctionListResponse>()
            .WithSummary("List the tenant's functions by name, one page (?limit=1..200, default 50; ?cursor=the previous page's nextCursor)");
        functions.MapGet("/{name}", GetAsync).Produces<FunctionDetails>()
            .WithSummary("Get a function with its aliases and one page of its versions (?limit, ?cursor as for lists)");
        functions.MapGet("/{name}/versions/{version}/module", DownloadAsync)
            .Produces(StatusCodes.Status200OK, contentType: "application/wasm")
            .WithSummary("Download a version's module (a version number or an alias)");
        functions.MapPut("/{name}/aliases/{alias}", SetAliasAsync)
            .DocumentsBody<SetAliasRequest>("application/json")
            .Produces<FunctionAlias>()
            .WithSummary("Point an alias at a version");
        functions.MapDelete("/{name}/versions/{version}", DeleteVersionAsync)
            .Produces(StatusCodes.Status204NoContent)
            .WithSummary("Delete one version (refused with FAILED_PRECONDITION while an alias, 'latest' included, points at it)");
        functions.MapDelete("/{name}", DeleteAsync).Produces(StatusCodes.Status204NoContent).WithSummary("Delete a function with its versions and aliases");
    }

    private static async Task<IResult> DeployAsync(
        string name,
        HttpContext http,
        TenantStore tenants,
        FunctionDeployment deployment,
        IOptions<ControlPlaneOptions> options,
        CancellationToken cancellationToken)
    {
        var caller = http.TenantCaller();
        NameRules.Require(name, "name");
        var quotas = await tenants.GetQuotasAsync(caller.TenantId, cancellationToken)
            ?? throw new PlatformException(ErrorCode.Unauthenticated, "the key's tenant no longer exists");
        var (source, configInput, assets) = await ModuleUpload.ReadAsync(http.Request, quotas, options.Value.MultipartOverheadBytes, cancellationToken);
        var config = (configInput ?? new FunctionConfigInput()).Validate(quotas);
        var version = await deployment.DeployAsync(caller, name, source, config, assets, quotas, cancellationToken);
        return TypedResults.Json(version, ApiJson.Options, statusCode: StatusCodes.Status201Created)
            .WithLocation($"/v1/functions/{name}/versions/{version.Version}/module");
    }

    private static async Task<IResult> ListAsync(HttpContext http, FunctionStore store, CancellationToken cancellationToken)
    {
        var page = await store.ListAsync(http.TenantCaller().TenantId, PageRequest.From(http.Request.Query), cancellationToken);
        return TypedResults.Json(new FunctionListResponse(page.Items, page.NextCursor), ApiJson.Options);
    }

    private static async Task<IResult> GetAsync(string name, HttpContext http, FunctionStore store, IFunctionCatalog catalog, IOptions<ControlPlaneOptions> options, CancellationToken cancellationToken)
    {
        var caller = http.TenantCaller();
        var details = await store.GetAsync(caller.TenantId, NameRules.Require(name, "name"), PageRequest.From(http.Request.Query), cancellationToken);
        var latest = await catalog.ResolveAsync(caller.TenantId, details.Name, null, cancellationToken);
        return TypedResults.Json(details with { Http = FunctionUrls.For(latest, caller.TenantName, http.Request, options.Value.Http.BaseDomain) }, ApiJson.Options);
    }

    private static async Task<IResult> DownloadAsync(string name, string version, HttpContext http, FunctionStore store, CancellationToken cancellationToken)
    {
        var caller = http.TenantCaller();
        NameRules.Require(name, "name");
        var reference = VersionReference.Parse(version, "version");
        var (info, module) = await store.GetModuleAsync(caller.TenantId, name, reference, cancellationToken);
        http.Response.Headers[HeaderNames.ETag] = $"\"{module.Sha256}\"";
        http.Response.Headers["X-Platform-Version"] = info.Version.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return TypedResults.File(module.Bytes, "application/wasm", $"{name}-v{info.Version}.wasm");
    }

    private static async Task<IResult> SetAliasAsync(string name, string alias, HttpContext http, TenantStore tenants, FunctionStore store, CancellationToken cancellationToken)
    {
        var caller = http.TenantCaller();
        NameRules.Require(name, "name");
        RequireSettableAlias(alias);
        var request = await ApiJson.ReadBodyAsync<SetAliasRequest>(http.Request, cancellationToken);
        if (request.Version is not { } version || version < 1)
            throw PlatformException.InvalidArgument("version", "version must be a positive version number");
        var quotas = await tenants.GetQuotasAsync(caller.TenantId, cancellationToken)
            ?? throw new PlatformException(ErrorCode.Unauthenticated, "the key's tenant no longer exists");
        var result = await store.SetAliasAsync(caller.TenantId, name, alias, version, quotas.MaxAliasesPerFunction, cancellationToken);
        return TypedResults.Json(result, ApiJson.Options);
    }

    private static async Task<IResult> DeleteVersionAsync(string name, string version, HttpContext http, FunctionStore store, CancellationToken cancellationToken)
    {
        var caller = http.TenantCaller();
        NameRules.Require(name, "name");
        var reference = VersionReference.Parse(version, "version");
        if (reference.Version is not { } number)
            throw PlatformException.InvalidArgument("version", "delete a version by its number; an alias names whatever version it points at");
        await store.DeleteVersionAsync(caller.TenantId, name, number, cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<IResult> DeleteAsync(string name, HttpContext http, FunctionStore store, CancellationToken cancellationToken)
    {
        await store.DeleteAsync(http.TenantCaller().TenantId, NameRules.Require(name, "name"), cancellationToken);
        return TypedResults.NoContent();
    }

    internal static void RequireSettableAlias(string? alias)
    {
        NameRules.Require(alias, "alias");
        if (alias == VersionReference.Latest)
            throw PlatformException.InvalidArgument("alias", "'latest' is maintained by the platform and always points at the newest version");
        if (VersionReference.IsNumeric(alias!))
            throw PlatformException.InvalidArgument("alias", "an alias cannot be a number: it would read as a version");
    }
}
