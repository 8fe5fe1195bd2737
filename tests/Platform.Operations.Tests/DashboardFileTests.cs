namespace Platform.Operations.Tests;

/// <summary>The dashboard JSON files themselves: what Grafana's provisioning needs to load them, and the tenant template.</summary>
public sealed class DashboardFileTests(ITestOutputHelper output)
{
    [Fact]
    public void Dashboards_AreProvisionableWithUniqueIdsAndPrometheusQueries()
    {
        var files = Dashboards.Files().ToList();
        Assert.Equal(["platform-overview.json", "platform-tenant.json"], files.Select(Path.GetFileName));
        var uids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            var dashboard = Dashboards.Load(file);
            Assert.True(uids.Add(dashboard["uid"]!.GetValue<string>()), $"{file}: uid is not unique");
            Assert.Null(dashboard["id"]);   // provisioning assigns ids
            var ids = new HashSet<int>();
            foreach (var panel in Dashboards.Panels(dashboard))
            {
                Assert.True(ids.Add(panel["id"]!.GetValue<int>()), $"{file}: panel id {panel["id"]} repeats");
                if (panel["type"]!.GetValue<string>() == "row")
                    continue;
                Assert.Equal("${datasource}", panel["datasource"]!["uid"]!.GetValue<string>());
                var targets = panel["targets"]!.AsArray();
                Assert.NotEmpty(targets);
                Assert.All(targets, t => Assert.False(string.IsNullOrWhiteSpace(t!["expr"]?.GetValue<string>()), $"{file}: {panel["title"]} has a target without expr"));
            }

            var variables = dashboard["templating"]!["list"]!.AsArray().Select(v => v!["name"]!.GetValue<string>()).ToList();
            Assert.Contains("datasource", variables);
            output.WriteLine($"{Path.GetFileName(file)}: {Dashboards.Panels(dashboard).Count(p => p["type"]!.GetValue<string>() != "row")} panels, variables {string.Join(", ", variables)}");
        }

        var tenant = Dashboards.Load(files.Single(f => f.EndsWith("platform-tenant.json", StringComparison.Ordinal)));
        var tenantVariable = tenant["templating"]!["list"]!.AsArray().Single(v => v!["name"]!.GetValue<string>() == "tenant")!;
        Assert.Equal("label_values(platform_invocations_total, tenant)", tenantVariable["definition"]!.GetValue<string>());
        Assert.Equal("label_values(platform_invocations_total, tenant)", tenantVariable["query"]!.GetValue<string>());
        Assert.All(Dashboards.Panels(tenant).Where(p => p["type"]!.GetValue<string>() != "row").SelectMany(p => p["targets"]!.AsArray()),
            t => Assert.Contains("tenant=\"$tenant\"", t!["expr"]!.GetValue<string>(), StringComparison.Ordinal));
    }

    [Fact]
    public void Queries_EveryVariable_IsSubstituted()
    {
        var queries = Dashboards.Queries();
        Assert.True(queries.Count > 30, $"only {queries.Count} queries");
        Assert.All(queries, q => Assert.DoesNotContain("$", q.Expression, StringComparison.Ordinal));
    }
}
