using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Platform.ControlPlane.Auth;
using Platform.ControlPlane.Errors;
using Platform.ControlPlane.Json;
using Platform.ControlPlane.Tenants;
using Platform.ControlPlane.Validation;

namespace Platform.ControlPlane.Usage;

/// <summary>
/// <c>GET /v1/usage</c> (tenant key: its own usage) and <c>GET /v1/tenants/{tenant}/usage</c>
/// (admin key). <c>from</c> and <c>to</c> are ISO-8601 times (default: <c>to</c> now, <c>from</c>
/// 24 hours before <c>to</c>); the
/// range covers the minute buckets that start in [from truncated to the minute, to), at most 31 days.
/// What has not been flushed yet (at most one flush interval) is not shown.
/// </summary>
internal static class UsageRest
{
    public static readonly TimeSpan DefaultRange = TimeSpan.FromHours(24);

    public static readonly TimeSpan MaxRange = TimeSpan.FromDays(31);

    private static readonly string[] Formats =
    [
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK",
        "yyyy-MM-dd'T'HH:mmK",
        "yyyy-MM-dd",
    ];

    public static void Map(RouteGroupBuilder v1)
    {
        v1.MapGet("/usage", TenantAsync)
            .RequireCaller(CallerRequirement.TenantManagement)
            .AddEndpointFilter(Limits.ManagementRateFilter.Instance)
            .WithTags("Usage")
            .Produces<UsageReport>()
            .WithSummary("The calling tenant's usage (invocations, failures by outcome, fuel, duration) per function over a time range");
        v1.MapGet("/tenants/{tenant}/usage", AdminAsync)
            .RequireCaller(CallerRequirement.AdminManagement)
            .WithTags("Tenants (admin)")
            .Produces<UsageReport>()
            .WithSummary("A tenant's usage per function over a time range");
    }

    private static async Task<IResult> TenantAsync(HttpContext http, UsageStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        var caller = http.TenantCaller();
        var (from, to) = Range(http.Request.Query, time.GetUtcNow());
        var report = await store.QueryAsync(caller.TenantId, caller.TenantName, from, to, cancellationToken);
        return TypedResults.Json(report, ApiJson.Options);
    }

    private static async Task<IResult> AdminAsync(string tenant, HttpContext http, TenantStore tenants, UsageStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        var name = NameRules.Require(tenant, "tenant");
        var (from, to) = Range(http.Request.Query, time.GetUtcNow());
        var found = await tenants.GetAsync(name, cancellationToken);
        var report = await store.QueryAsync(found.Id, found.Name, from, to, cancellationToken);
        return TypedResults.Json(report, ApiJson.Options);
    }

    /// <summary>The validated range; INVALID_ARGUMENT naming <c>from</c> or <c>to</c>.</summary>
    internal static (DateTimeOffset From, DateTimeOffset To) Range(IQueryCollection query, DateTimeOffset now)
    {
        var from = Parse(query, "from");
        var to = Parse(query, "to");
        var end = to ?? now;
        var start = from ?? end - DefaultRange;
        if (end <= start)
            throw PlatformException.InvalidArgument("to", "to must be later than from");
        if (end - start > MaxRange)
            throw PlatformException.InvalidArgument("from", "the range from..to is at most 31 days");
        return (start, end);
    }

    /// <summary>One optional ISO-8601 time from the query string; INVALID_ARGUMENT naming <paramref name="name"/>.</summary>
    internal static DateTimeOffset? Parse(IQueryCollection query, string name)
    {
        if (!query.TryGetValue(name, out var values))
            return null;
        if (values.Count != 1 || !DateTimeOffset.TryParseExact(
                values[0]?.Trim(), Formats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var value))
            throw PlatformException.InvalidArgument(name, $"{name} must be one ISO-8601 time such as 2025-01-31T12:00:00Z");
        return value;
    }
}
