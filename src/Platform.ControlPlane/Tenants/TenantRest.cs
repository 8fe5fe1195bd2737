using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Platform.ControlPlane.Auth;
using Platform.ControlPlane.Errors;
using Platform.ControlPlane.Json;
using Platform.ControlPlane.Keys;
using Platform.ControlPlane.Paging;
using Platform.ControlPlane.Quotas;
using Platform.ControlPlane.Rest;
using Platform.ControlPlane.Validation;

namespace Platform.ControlPlane.Tenants;

internal sealed record CreateTenantRequest(string? Name, QuotaSet? Quotas);

internal sealed record TenantResponse(Guid Id, string Name, DateTimeOffset CreatedAt, EffectiveQuotas Quotas, QuotaSet QuotaOverrides)
{
    public static TenantResponse From(Tenant t) => new(t.Id, t.Name, t.CreatedAt, t.Quotas, t.QuotaOverrides);
}

internal sealed record CreatedTenantResponse(Guid Id, string Name, DateTimeOffset CreatedAt, EffectiveQuotas Quotas, QuotaSet QuotaOverrides, string ApiKey, Guid ApiKeyId);

internal sealed record TenantListResponse(IReadOnlyList<TenantResponse> Tenants, [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? NextCursor);

internal sealed record CreatedKeyResponse(Guid Id, string ApiKey, string Prefix, DateTimeOffset CreatedAt);

internal sealed record KeyListResponse(IReadOnlyList<ApiKeyInfo> Keys, [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? NextCursor);

/// <summary>Admin routes under <c>/v1/tenants</c>.</summary>
internal static class TenantRest
{
    public static void Map(RouteGroupBuilder v1)
    {
        var tenants = v1.MapGroup("/tenants").RequireCaller(CallerRequirement.AdminManagement).WithTags("Tenants (admin)");

        tenants.MapPost("", CreateAsync)
            .DocumentsBody<CreateTenantRequest>("application/json")
            .Produces<CreatedTenantResponse>(StatusCodes.Status201Created)
            .WithSummary("Create a tenant with its first API key (shown once)");
        tenants.MapGet("", ListAsync).Produces<TenantListResponse>().WithSummary("List tenants by name, one page (?limit=1..200, default 50; ?cursor=the previous page's nextCursor)");
        tenants.MapGet("/{tenant}", GetAsync).Produces<TenantResponse>().WithSummary("Get a tenant and its effective quotas");
        tenants.MapPut("/{tenant}/quotas", SetQuotasAsync)
            .DocumentsBody<QuotaSet>("application/json")
            .Produces<TenantResponse>()
            .WithSummary("Replace a tenant's quota overrides (a missing field follows the platform default)");
        tenants.MapDelete("/{tenant}", DeleteAsync).Produces(StatusCodes.Status204NoContent).WithSummary("Delete a tenant and everything it owns");
        tenants.MapPost("/{tenant}/keys", CreateKeyAsync).Produces<CreatedKeyResponse>(StatusCodes.Status201Created).WithSummary("Issue an API key (shown once)");
        tenants.MapGet("/{tenant}/keys", ListKeysAsync).Produces<KeyListResponse>().WithSummary("List a tenant's keys in creation order, one page (never their secrets)");
        tenants.MapDelete("/{tenant}/keys/{id}", RevokeKeyAsync).Produces(StatusCodes.Status204NoContent).WithSummary("Revoke a key; it stops working at once");
    }

    private static async Task<IResult> CreateAsync(HttpContext http, TenantStore store, CancellationToken cancellationToken)
    {
        var request = await ApiJson.ReadBodyAsync<CreateTenantRequest>(http.Request, cancellationToken);
        var name = NameRules.Require(request.Name, "name");
        var quotas = request.Quotas ?? QuotaSet.None;
        QuotaRules.Require(quotas, "quotas");
        var created = await store.CreateAsync(name, quotas, cancellationToken);
        var t = created.Tenant;
        return TypedResults.Json(
            new CreatedTenantResponse(t.Id, t.Name, t.CreatedAt, t.Quotas, t.QuotaOverrides, created.ApiKey.Secret, created.ApiKey.Id),
            ApiJson.Options, statusCode: StatusCodes.Status201Created)
            .WithLocation($"/v1/tenants/{t.Name}");
    }

    private static async Task<IResult> ListAsync(HttpContext http, TenantStore store, CancellationToken cancellationToken)
    {
        var page = await store.ListAsync(PageRequest.From(http.Request.Query), cancellationToken);
        return TypedResults.Json(new TenantListResponse(page.Items.Select(TenantResponse.From).ToList(), page.NextCursor), ApiJson.Options);
    }

    private static async Task<IResult> GetAsync(string tenant, TenantStore store, CancellationToken cancellationToken)
    {
        var found = await store.GetAsync(NameRules.Require(tenant, "tenant"), cancellationToken);
        return TypedResults.Json(TenantResponse.From(found), ApiJson.Options);
    }

    private static async Task<IResult> SetQuotasAsync(string tenant, HttpContext http, TenantStore store, CancellationToken cancellationToken)
    {
        var name = NameRules.Require(tenant, "tenant");
        var quotas = await ApiJson.ReadBodyAsync<QuotaSet>(http.Request, cancellationToken);
        QuotaRules.Require(quotas, "quotas");
        var updated = await store.SetQuotasAsync(name, quotas, cancellationToken);
        return TypedResults.Json(TenantResponse.From(updated), ApiJson.Options);
    }

    private static async Task<IResult> DeleteAsync(string tenant, TenantStore store, CancellationToken cancellationToken)
    {
        await store.DeleteAsync(NameRules.Require(tenant, "tenant"), cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<IResult> CreateKeyAsync(string tenant, ApiKeyStore keys, CancellationToken cancellationToken)
    {
        var key = await keys.CreateAsync(NameRules.Require(tenant, "tenant"), cancellationToken);
        return TypedResults.Json(new CreatedKeyResponse(key.Id, key.Secret, key.Prefix, key.CreatedAt), ApiJson.Options, statusCode: StatusCodes.Status201Created)
            .WithLocation($"/v1/tenants/{tenant}/keys/{key.Id}");
    }

    private static async Task<IResult> ListKeysAsync(string tenant, HttpContext http, ApiKeyList keys, CancellationToken cancellationToken)
    {
        var page = await keys.ListAsync(NameRules.Require(tenant, "tenant"), PageRequest.From(http.Request.Query), cancellationToken);
        return TypedResults.Json(new KeyListResponse(page.Items, page.NextCursor), ApiJson.Options);
    }

    private static async Task<IResult> RevokeKeyAsync(string tenant, string id, ApiKeyStore keys, CancellationToken cancellationToken)
    {
        var name = NameRules.Require(tenant, "tenant");
        if (!Guid.TryParseExact(id, "D", out var keyId))
            throw PlatformException.InvalidArgument("id", "id must be a key id as returned when the key was created");
        await keys.RevokeAsync(name, keyId, cancellationToken);
        return TypedResults.NoContent();
    }
}
