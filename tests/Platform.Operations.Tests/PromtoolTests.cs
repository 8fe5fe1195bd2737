namespace Platform.Operations.Tests;

/// <summary>The repository's Prometheus configuration and alert rules, checked by Prometheus's own tool.</summary>
public sealed class PromtoolTests(ITestOutputHelper output)
{
    [Fact]
    public async Task CheckConfig_RepositoryPrometheusYml_SucceedsWithItsRuleFiles()
    {
        var promtool = Tools.Require("promtool");
        var result = await Tools.RunAsync(promtool, ["check", "config", Repository.Deploy("prometheus", "prometheus.yml")]);
        output.WriteLine(result.Output);
        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("is valid prometheus config file syntax", result.Output, StringComparison.Ordinal);
        // The rule_files glob is relative to the config file, so the check loaded our rules too.
        Assert.Contains("SUCCESS: 1 rule files found", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckRules_EveryRuleFile_Succeeds()
    {
        var promtool = Tools.Require("promtool");
        var files = Directory.GetFiles(Repository.Deploy("prometheus", "rules"), "*.rules.yml").Order(StringComparer.Ordinal).ToArray();
        Assert.NotEmpty(files);
        var result = await Tools.RunAsync(promtool, ["check", "rules", .. files]);
        output.WriteLine(result.Output);
        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Matches(@"SUCCESS: \d+ rules found", result.Output);
    }

    [Fact]
    public async Task TestRules_UnitTests_EveryAlertFiresWhenItShould()
    {
        var promtool = Tools.Require("promtool");
        var tests = Repository.Deploy("prometheus", "tests", "platform.rules.test.yml");
        var result = await Tools.RunAsync(promtool, ["test", "rules", tests]);
        output.WriteLine(result.Output);
        Assert.True(result.ExitCode == 0, result.Output);

        // Every alert of the rule files has at least one test where it is expected to fire.
        var alerts = AlertRule.Load().Select(r => r.Name).ToHashSet(StringComparer.Ordinal);
        var firing = Yaml.Load(tests).Maps("tests")
            .SelectMany(t => t.Maps("alert_rule_test"))
            .Where(a => a.MaybeL("exp_alerts") is { Count: > 0 })
            .Select(a => a.S("alertname"))
            .ToHashSet(StringComparer.Ordinal);
        Assert.Empty(alerts.Except(firing));
    }
}

/// <summary>The alerting rules of deploy/prometheus/rules/*.rules.yml.</summary>
internal sealed record AlertRule(string File, string Group, string Name, string Expression, string? For, string? Severity)
{
    public static IReadOnlyList<AlertRule> Load() =>
        Directory.GetFiles(Repository.Deploy("prometheus", "rules"), "*.rules.yml").Order(StringComparer.Ordinal)
            .SelectMany(file => Yaml.Load(file).Maps("groups").SelectMany(group => group.Maps("rules")
                .Where(rule => rule.ContainsKey("alert"))
                .Select(rule => new AlertRule(
                    Path.GetFileName(file),
                    group.S("name"),
                    rule.S("alert"),
                    rule.S("expr"),
                    rule.MaybeS("for"),
                    rule.MaybeM("labels")?.MaybeS("severity")))))
            .ToList();
}
