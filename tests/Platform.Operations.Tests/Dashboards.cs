using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Platform.Operations.Tests;

/// <summary>One query of one panel of a provisioned dashboard.</summary>
public sealed record PanelQuery(string Dashboard, string Panel, string RefId, string Expression)
{
    public string Key => $"{Dashboard} / {Panel} / {RefId}";
}

/// <summary>The dashboards of deploy/grafana/dashboards and their queries, with Grafana's variables substituted.</summary>
public static partial class Dashboards
{
    /// <summary>Values for the template variables, as Grafana would substitute them in this run.</summary>
    public static readonly IReadOnlyDictionary<string, string> Variables = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["tenant"] = Traffic.Tenant,
        ["function"] = ".*",           // the variable's "All" value (allValue)
        ["__rate_interval"] = "1m",
        ["__interval"] = "1m",
        ["__range"] = "5m",
        ["datasource"] = "prometheus",
    };

    public static IEnumerable<string> Files() =>
        Directory.GetFiles(Repository.Deploy("grafana", "dashboards"), "*.json").Order(StringComparer.Ordinal);

    public static JsonObject Load(string file) => JsonNode.Parse(File.ReadAllText(file))!.AsObject();

    /// <summary>Every panel (rows' nested panels included) of a dashboard.</summary>
    public static IEnumerable<JsonObject> Panels(JsonObject dashboard)
    {
        foreach (var panel in dashboard["panels"]!.AsArray().Cast<JsonObject>())
        {
            yield return panel;
            foreach (var nested in panel["panels"]?.AsArray().Cast<JsonObject>() ?? [])
                yield return nested;
        }
    }

    /// <summary>Every query of every panel of every dashboard, variables substituted.</summary>
    public static IReadOnlyList<PanelQuery> Queries() =>
        Files().SelectMany(file =>
        {
            var dashboard = Load(file);
            var title = dashboard["title"]!.GetValue<string>();
            return Panels(dashboard)
                .Where(p => p["type"]!.GetValue<string>() != "row")
                .SelectMany(p => p["targets"]!.AsArray().Cast<JsonObject>().Select(t => new PanelQuery(
                    title,
                    p["title"]!.GetValue<string>(),
                    t["refId"]!.GetValue<string>(),
                    Substitute(t["expr"]!.GetValue<string>()))));
        }).ToList();

    /// <summary>Replaces <c>$name</c>, <c>${name}</c> and <c>[[name]]</c>; an unknown variable is an error.</summary>
    public static string Substitute(string expression) =>
        VariablePattern().Replace(expression, m =>
        {
            var name = m.Groups["a"].Success ? m.Groups["a"].Value : m.Groups["b"].Success ? m.Groups["b"].Value : m.Groups["c"].Value;
            return Variables.TryGetValue(name, out var value) ? value : throw new InvalidOperationException($"unknown dashboard variable ${name} in {expression}");
        });

    [GeneratedRegex(@"\$\{(?<b>\w+)(:\w+)?\}|\$(?<a>\w+)|\[\[(?<c>\w+)\]\]")]
    private static partial Regex VariablePattern();
}
