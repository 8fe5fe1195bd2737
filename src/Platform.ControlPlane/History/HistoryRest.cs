using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Platform.ControlPlane.Auth;
using Platform.ControlPlane.Errors;
using Platform.ControlPlane.Json;
using Platform.ControlPlane.Paging;
using Platform.ControlPlane.Usage;

namespace Platform.ControlPlane.History;

/// <summary>
/// <c>GET /v1/invocations?function=&amp;outcome=&amp;since=&amp;until=</c> (newest first, keyset
/// pages) and <c>GET /v1/invocations/{id}</c>, with a tenant key: the tenant's own invocations.
/// </summary>
internal static partial class HistoryRest
{
    public static void Map(RouteGroupBuilder v1)
    {
        v1.MapGet("/invocations", ListAsync)
            .RequireCaller(CallerRequirement.TenantManagement)
            .AddEndpointFilter(Limits.ManagementRateFilter.Instance)
            .WithTags("Invocation history")
            .Produces<InvocationListResponse>()
            .WithSummary("The tenant's invocations, newest first, one page (?function, ?outcome, ?since and ?until ISO-8601, ?limit=1..200, ?cursor)");
        v1.MapGet("/invocations/{id}", GetAsync)
            .RequireCaller(CallerRequirement.TenantManagement)
            .AddEndpointFilter(Limits.ManagementRateFilter.Instance)
            .WithTags("Invocation history")
            .Produces<InvocationView>()
            .WithSummary("One invocation of the tenant: outcome, exit code, fuel, duration, worker, sizes and logs");
        v1.MapGet("/invocations/{id}/recording", GetRecordingAsync)
            .RequireCaller(CallerRequirement.TenantManagement)
            .AddEndpointFilter(Limits.ManagementRateFilter.Instance)
            .WithTags("Invocation history")
            .Produces<RecordingView>()
            .WithSummary("The replay recording of an invocation (versions with \"record\"): input, clock readings, random bytes, args, env, limits, and what production gave");
        v1.MapGet("/invocations/{id}/module", GetModuleAsync)
            .RequireCaller(CallerRequirement.TenantManagement)
            .AddEndpointFilter(Limits.ManagementRateFilter.Instance)
            .WithTags("Invocation history")
            .Produces(StatusCodes.Status200OK, contentType: "application/wasm")
            .WithSummary("The module a recorded invocation ran (binary Wasm)");
        v1.MapDelete("/invocations/{id}/recording", DeleteRecordingAsync)
            .RequireCaller(CallerRequirement.TenantManagement)
            .AddEndpointFilter(Limits.ManagementRateFilter.Instance)
            .WithTags("Invocation history")
            .Produces(StatusCodes.Status204NoContent)
            .WithSummary("Delete an invocation's recording (its history record stays)");
    }

    /// <summary>The id's form (what the invoke answers carry); INVALID_ARGUMENT for anything else.</summary>
    public static string RequireId(string? id) =>
        id is not null && IdPattern().IsMatch(id) ? id : throw PlatformException.InvalidArgument("id", "id must be an invocation id: 32 lowercase hex digits");

    private static async Task<IResult> ListAsync(HttpContext http, HistoryStore store, CancellationToken cancellationToken)
    {
        var caller = http.TenantCaller();
        var q = http.Request.Query;
        var query = HistoryQuery.Create(Single(q, "function"), Single(q, "outcome"), UsageRest.Parse(q, "since"), UsageRest.Parse(q, "until"));
        var page = await store.ListAsync(caller.TenantId, query, PageRequest.From(q), cancellationToken);
        return TypedResults.Json(new InvocationListResponse(page.Items.Select(InvocationView.From).ToList(), page.NextCursor), ApiJson.Options);
    }

    private static async Task<IResult> GetAsync(string id, HttpContext http, HistoryStore store, CancellationToken cancellationToken)
    {
        var record = await store.GetAsync(http.TenantCaller().TenantId, RequireId(id), cancellationToken);
        return TypedResults.Json(InvocationView.From(record), ApiJson.Options);
    }

    private static async Task<IResult> GetRecordingAsync(string id, HttpContext http, HistoryStore store, CancellationToken cancellationToken)
    {
        var tenantId = http.TenantCaller().TenantId;
        var checkedId = RequireId(id);
        var recording = await store.GetRecordingAsync(tenantId, checkedId, cancellationToken);
        var record = await store.GetAsync(tenantId, checkedId, cancellationToken);
        return TypedResults.Json(RecordingView.From(record, recording), ApiJson.Options);
    }

    private static async Task<IResult> GetModuleAsync(string id, HttpContext http, HistoryStore store, CancellationToken cancellationToken)
    {
        var module = await store.GetRecordedModuleAsync(http.TenantCaller().TenantId, RequireId(id), cancellationToken);
        return TypedResults.Bytes(module, "application/wasm");
    }

    private static async Task<IResult> DeleteRecordingAsync(string id, HttpContext http, HistoryStore store, CancellationToken cancellationToken)
    {
        await store.DeleteRecordingAsync(http.TenantCaller().TenantId, RequireId(id), cancellationToken);
        return TypedResults.NoContent();
    }

    private static string? Single(IQueryCollection query, string name)
    {
        if (!query.TryGetValue(name, out var values)) return null;
        return values.Count == 1 ? values[0] : throw PlatformException.InvalidArgument(name, $"{name} may be given once");
    }

    [GeneratedRegex("^[0-9a-f]{32}$", RegexOptions.CultureInvariant)]
    private static partial Regex IdPattern();
}
