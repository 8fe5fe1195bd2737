using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Platform.Cli.Remote;

namespace Platform.Cli.Usage;

/// <summary>
/// <c>platformctl usage [--tenant T] [--from ISO] [--to ISO]</c>: GET /v1/usage with a tenant key
/// (its own usage), or GET /v1/tenants/{T}/usage with the admin key.
/// </summary>
internal static class UsageCommand
{
    public static Command Create()
    {
        var tenant = new Option<string?>("--tenant")
        {
            Description = "Another tenant's usage (admin key); without it, the usage of the key's own tenant.",
            HelpName = "TENANT",
        };
        var from = new Option<string?>("--from")
        {
            Description = "Start of the range, ISO-8601 (e.g. 2025-01-31T00:00:00Z; default: 24 hours before --to).",
            HelpName = "TIME",
        };
        var to = new Option<string?>("--to")
        {
            Description = "End of the range, ISO-8601 (default: now). The range is at most 31 days.",
            HelpName = "TIME",
        };
        var command = new Command("usage", "Invocations, failures by outcome, fuel consumed and duration per function over a time range (minute buckets; the last few seconds may not be counted yet).")
        {
            tenant, from, to,
        };
        command.SetRemoteAction(TimeSpan.FromSeconds(30), async (parse, call) =>
        {
            var path = Path(parse.GetValue(tenant), parse.GetValue(from), parse.GetValue(to));
            return await call.PrintAsync(await call.CallAsync(HttpMethod.Get, path), Write);
        });
        return command;
    }

    internal static string Path(string? tenant, string? from, string? to)
    {
        var path = tenant is null ? "v1/usage" : $"v1/tenants/{PlatformClient.Segment(tenant)}/usage";
        var query = new List<string>();
        if (from is not null) query.Add("from=" + Uri.EscapeDataString(from));
        if (to is not null) query.Add("to=" + Uri.EscapeDataString(to));
        return query.Count == 0 ? path : path + "?" + string.Join('&', query);
    }

    internal static void Write(JsonElement usage, TextWriter writer)
    {
        writer.WriteLine($"Usage of {usage.Text("tenant")} from {usage.Time("from")} to {usage.Time("to")}");
        var functions = usage.Items("functions").ToList();
        if (functions.Count == 0)
        {
            writer.WriteLine("No invocations in this range.");
            return;
        }

        writer.WriteLine();
        var table = new Table("FUNCTION", "INVOCATIONS", "FAILURES", "FUEL", "DURATION", "OUTCOMES");
        foreach (var function in functions) Row(table, function.Text("name"), function);
        if (usage.Member("totals") is { } totals) Row(table, "TOTAL", totals);
        table.WriteTo(writer);
    }

    private static void Row(Table table, string name, JsonElement counts) => table.Add(
        name,
        counts.Text("invocations"),
        counts.Text("failures"),
        counts.Text("fuelConsumed"),
        Duration(counts),
        Outcomes(counts));

    private static string Duration(JsonElement counts) =>
        counts.Member("durationMs") is { ValueKind: JsonValueKind.Number } ms
            ? ms.GetDouble().ToString("0.###", CultureInfo.InvariantCulture) + " ms"
            : JsonElementExtensions.Missing;

    /// <summary>"OK=8 OUT_OF_FUEL=2", by outcome name.</summary>
    private static string Outcomes(JsonElement counts)
    {
        if (counts.Member("outcomes") is not { ValueKind: JsonValueKind.Object } outcomes) return JsonElementExtensions.Missing;
        var parts = outcomes.EnumerateObject()
            .OrderBy(o => o.Name, StringComparer.Ordinal)
            .Select(o => $"{o.Name}={o.Value.GetRawText()}")
            .ToList();
        return parts.Count == 0 ? JsonElementExtensions.Missing : string.Join(' ', parts);
    }
}
