using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Platform.Testing;

namespace Platform.Operations.Tests;

/// <summary>
/// Every panel query of every dashboard and every alert expression, evaluated by a real
/// Prometheus (/api/v1/query) scraping a running platform that served every outcome.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class LivePlatformTests(LivePlatform live, ITestOutputHelper output) : IClassFixture<LivePlatform>
{
    /// <summary>
    /// Panels that have no data in this run, and why. Each comes with a witness query that must
    /// have data, proving the metric exists and only the label filter finds nothing.
    /// </summary>
    private static readonly Dictionary<string, (string Reason, string Witness)> ExpectedEmpty = new(StringComparer.Ordinal)
    {
        ["Platform overview / Push failures / A"] = (
            "no module push failed: both dev workers were up for every push (platform_pushes_total{result=\"failed\"} is never incremented)",
            "platform_pushes_total{result=\"ok\"}"),
    };

    /// <summary>Alert inputs that have no data in this run, and why.</summary>
    private static readonly Dictionary<string, string> AlertInputsWithoutData = new(StringComparer.Ordinal)
    {
        ["up{job=\"platform-worker\"}"] = "dev runs its workers in the control plane's process: no platform-worker targets here; the job's DNS discovery is checked by promtool and the compose test",
        ["platform_pushes_total{result=\"failed\"}"] = "no push failed in this run",
    };

    [Fact]
    public async Task Panels_EveryQueryOfEveryDashboard_ParsesAndHasData()
    {
        live.EnsureUp();
        var queries = Dashboards.Queries();
        var rows = new List<(PanelQuery Query, QueryResult Result, string Verdict)>();
        var failures = new List<string>();
        foreach (var query in queries)
        {
            var result = await live.Prometheus.QueryAsync(query.Expression);
            string verdict;
            if (!result.Success)
            {
                verdict = "PARSE/EVAL ERROR " + result.Error;
                failures.Add($"{query.Key}: {result.Error}\n    {query.Expression}");
            }
            else if (ExpectedEmpty.TryGetValue(query.Key, out var expected))
            {
                var witness = await live.Prometheus.QueryAsync(expected.Witness);
                verdict = result.Series.Count == 0
                    ? $"no data (expected: {expected.Reason}; witness {expected.Witness} -> {witness.Series.Count} series)"
                    : $"data although listed as expected empty ({expected.Reason})";
                if (witness.Series.Count == 0)
                    failures.Add($"{query.Key}: its witness {expected.Witness} has no data either: the metric itself is missing");
            }
            else if (result.Series.Count == 0)
            {
                verdict = "NO DATA";
                failures.Add($"{query.Key}: no series\n    {query.Expression}");
            }
            else if (result.FiniteCount == 0)
            {
                verdict = "ONLY NaN/Inf";
                failures.Add($"{query.Key}: {result.Series.Count} series, none with a finite value\n    {query.Expression}");
            }
            else
            {
                verdict = "ok";
            }

            rows.Add((query, result, verdict));
        }

        var report = new StringBuilder();
        report.AppendLine(CultureInfo.InvariantCulture, $"| dashboard / panel / ref | query (variables substituted) | series | finite | sample | verdict |");
        report.AppendLine("| --- | --- | --- | --- | --- | --- |");
        foreach (var (query, result, verdict) in rows)
        {
            var sample = result.Series.FirstOrDefault(s => double.IsFinite(s.Value));
            var sampleText = result.Series.Count == 0 ? "" : $"{sample.Labels} {sample.Value.ToString("G4", CultureInfo.InvariantCulture)}";
            report.AppendLine(CultureInfo.InvariantCulture, $"| {query.Key} | `{query.Expression.Replace("|", "\\|", StringComparison.Ordinal)}` | {result.Series.Count} | {result.FiniteCount} | {sampleText.Replace("|", "\\|", StringComparison.Ordinal)} | {verdict} |");
        }

        Publish("panels", report.ToString());
        Assert.True(failures.Count == 0, $"{failures.Count} of {queries.Count} panel queries failed:\n{string.Join('\n', failures)}");
        Assert.Empty(ExpectedEmpty.Keys.Except(queries.Select(q => q.Key)));
    }

    [Fact]
    public async Task AlertRules_EveryExpression_ParsesAndEveryRuleIsHealthyInPrometheus()
    {
        live.EnsureUp();
        var rules = AlertRule.Load();
        var report = new StringBuilder("| alert | severity | for | series now | state | input selectors -> series |\n| --- | --- | --- | --- | --- | --- |\n");
        var failures = new List<string>();
        var alerts = (await live.Prometheus.GetAsync("/api/v1/alerts"))["data"]!["alerts"]!.AsArray();
        foreach (var rule in rules)
        {
            var result = await live.Prometheus.QueryAsync(rule.Expression);
            if (!result.Success)
                failures.Add($"{rule.Name}: {result.Error}");

            // An alert on a series nothing produces never fires: every input selector is queried too.
            var inputs = new List<string>();
            foreach (var selector in PromQl.Selectors(rule.Expression))
            {
                var input = await live.Prometheus.QueryAsync(selector);
                var note = input.Series.Count == 0 && AlertInputsWithoutData.TryGetValue(selector, out var why) ? $" ({why})" : "";
                inputs.Add($"`{selector}` {input.Series.Count}{note}");
                if (input.Series.Count == 0 && note.Length == 0)
                    failures.Add($"{rule.Name}: its input {selector} has no data in Prometheus: the alert could never fire");
            }

            var states = alerts.Where(a => a!["labels"]!["alertname"]!.GetValue<string>() == rule.Name).Select(a => a!["state"]!.GetValue<string>()).ToList();
            report.AppendLine(CultureInfo.InvariantCulture, $"| {rule.Name} | {rule.Severity} | {rule.For} | {(result.Success ? result.Series.Count.ToString(CultureInfo.InvariantCulture) : "ERROR " + result.Error)} | {(states.Count == 0 ? "inactive" : string.Join(", ", states))} | {string.Join("; ", inputs).Replace("|", "\\|", StringComparison.Ordinal)} |");
        }

        // Prometheus loaded the repository's rule files and evaluates every rule without error.
        var loaded = (await live.Prometheus.GetAsync("/api/v1/rules"))["data"]!["groups"]!.AsArray()
            .SelectMany(g => g!["rules"]!.AsArray())
            .Where(r => r!["type"]!.GetValue<string>() == "alerting")
            .ToList();
        Assert.Equal(rules.Select(r => r.Name).Order(StringComparer.Ordinal), loaded.Select(r => r!["name"]!.GetValue<string>()).Order(StringComparer.Ordinal));
        foreach (var rule in loaded)
        {
            var health = rule!["health"]!.GetValue<string>();
            if (health != "ok")
                failures.Add($"{rule["name"]}: health {health} {rule["lastError"]}");
        }

        // The usage flush lag alert exists exactly when the platform exports the gauge.
        var flushLagExported = MetricNames(live.MetricsText).Contains("platform_usage_flush_lag_seconds");
        var flushLagAlert = rules.Any(r => PromQl.MetricNames(r.Expression).Contains("platform_usage_flush_lag_seconds"));
        report.AppendLine();
        report.AppendLine(CultureInfo.InvariantCulture, $"platform_usage_flush_lag_seconds exported: {flushLagExported}; alerted on: {flushLagAlert}");
        Publish("alerts", report.ToString());
        Assert.Equal(flushLagExported, flushLagAlert);
        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    [Fact]
    public async Task Traffic_EveryOutcome_IsCountedWithItsLabels()
    {
        live.EnsureUp();
        output.WriteLine($"answers: {live.Traffic.Summary()}");
        Assert.Empty(Traffic.ExpectedOutcomes.Except(live.Traffic.Outcomes.Keys));

        var outcomes = await live.Prometheus.QueryAsync($"sum by (outcome) (platform_invocations_total{{tenant=\"{Traffic.Tenant}\"}})");
        var seen = outcomes.Series.Select(s => LabelValue(s.Labels, "outcome")).ToHashSet(StringComparer.Ordinal);
        output.WriteLine($"platform_invocations_total outcomes: {string.Join(", ", outcomes.Series.Select(s => $"{LabelValue(s.Labels, "outcome")}={s.Value}"))}");
        Assert.Empty(Traffic.ExpectedOutcomes.Select(o => o.ToLowerInvariant()).Except(seen));

        var reasons = await live.Prometheus.QueryAsync($"sum by (reason) (platform_rejections_total{{tenant=\"{Traffic.Tenant}\"}})");
        output.WriteLine($"platform_rejections_total reasons: {string.Join(", ", reasons.Series.Select(s => $"{LabelValue(s.Labels, "reason")}={s.Value}"))}");
        Assert.Empty(new[] { "out_of_fuel", "timeout", "memory_limit", "output_limit", "rate_limited", "concurrency_limited", "overloaded" }
            .Except(reasons.Series.Select(s => LabelValue(s.Labels, "reason"))));

        var workers = await live.Prometheus.QueryAsync("sum by (worker) (platform_worker_invocations_total)");
        Assert.Equal(["dev-worker-1", "dev-worker-2"], workers.Series.Select(s => LabelValue(s.Labels, "worker")).Order(StringComparer.Ordinal));
        Assert.Equal(2, (await live.Prometheus.QueryAsync("max(platform_workers_live)")).Series.Single().Value);
    }

    [Fact]
    public async Task TemplateVariables_EveryQueryVariable_ResolvesLikeGrafana()
    {
        live.EnsureUp();
        // Grafana resolves label_values(SELECTOR, LABEL) with /api/v1/label/LABEL/values?match[]=SELECTOR,
        // after substituting the variables it depends on.
        var resolved = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var file in Dashboards.Files())
        {
            foreach (var variable in Dashboards.Load(file)["templating"]!["list"]!.AsArray().Where(v => v!["type"]!.GetValue<string>() == "query"))
            {
                var name = variable!["name"]!.GetValue<string>();
                var query = Dashboards.Substitute(variable["query"]!.GetValue<string>());
                var match = Regex.Match(query, @"^label_values\((?<selector>.+),\s*(?<label>\w+)\)$");
                Assert.True(match.Success, $"{name}: {query} is not label_values(selector, label)");
                var values = (await live.Prometheus.GetAsync($"/api/v1/label/{match.Groups["label"].Value}/values?match[]={Uri.EscapeDataString(match.Groups["selector"].Value)}"))["data"]!
                    .AsArray().Select(v => v!.GetValue<string>()).ToList();
                output.WriteLine($"{Path.GetFileName(file)} ${name}: {query} -> {string.Join(", ", values)}");
                resolved[name] = values;
            }
        }

        Assert.Contains(Traffic.Tenant, resolved["tenant"]);
        Assert.Empty(Traffic.Functions.Keys.Append("hello").Except(resolved["function"]));
    }

    [Fact]
    public void Metrics_EveryNameTheDashboardsAndRulesUse_IsExported()
    {
        live.EnsureUp();
        var exported = MetricNames(live.MetricsText);
        exported.Add("up");   // Prometheus's own
        var texts = Dashboards.Queries().Select(q => q.Expression).Concat(AlertRule.Load().Select(r => r.Expression));
        var used = texts.SelectMany(PromQl.MetricNames).ToHashSet(StringComparer.Ordinal);
        output.WriteLine($"metric names used: {string.Join(", ", used.Order(StringComparer.Ordinal))}");
        output.WriteLine($"platform_* names exported by dev: {string.Join(", ", exported.Where(n => n.StartsWith("platform_", StringComparison.Ordinal)).Order(StringComparer.Ordinal))}");
        var missing = used.Except(exported).Order(StringComparer.Ordinal).ToList();
        Assert.True(missing.Count == 0, $"used by a dashboard or an alert but not exported: {string.Join(", ", missing)}");
    }

    [Fact]
    public async Task HealthcheckScript_AgainstTheDevControlPlane_AnswersLikeDockerExpects()
    {
        live.EnsureUp();
        var script = Repository.Deploy("docker", "healthcheck.sh");
        var rest = new Uri(live.Facts.RestUrl);
        var grpc = new Uri(live.Facts.GrpcUrl);
        foreach (var (url, healthy) in new[]
        {
            ($"http://127.0.0.1:{rest.Port}/healthz", true),
            ($"http://127.0.0.1:{rest.Port}/readyz", true),
            ($"http://127.0.0.1:{rest.Port}/no-such-path", false),
            ($"tcp://127.0.0.1:{grpc.Port}", true),
            ($"tcp://127.0.0.1:{FreePort.Next()}", false),
        })
        {
            var result = await Tools.RunAsync("bash", [script, url], TimeSpan.FromSeconds(15));
            output.WriteLine($"platform-healthcheck {url}: exit {result.ExitCode} {result.Output}");
            Assert.Equal(healthy ? 0 : 1, result.ExitCode);
        }
    }

    private void Publish(string name, string table)
    {
        output.WriteLine(table);
        var path = Path.Combine(AppContext.BaseDirectory, $"operations-{name}.md");
        File.WriteAllText(path, table);
        output.WriteLine($"(also in {path})");
    }

    private static HashSet<string> MetricNames(string exposition) =>
        exposition.Split('\n')
            .Where(l => l.Length > 0 && l[0] != '#')
            .Select(l => l[..l.IndexOfAny(['{', ' '])])
            .ToHashSet(StringComparer.Ordinal);

    private static string LabelValue(string labels, string name) =>
        Regex.Match(labels, $"{name}=\"([^\"]*)\"").Groups[1].Value;
}
