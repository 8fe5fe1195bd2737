namespace Platform.Operations.Tests;

public sealed class PromQlTests
{
    [Theory]
    [InlineData("max(platform_workers_live) < 1", "platform_workers_live")]
    [InlineData("absent(up{job=\"platform-control-plane\"} == 1)", "up{job=\"platform-control-plane\"}")]
    [InlineData("sum by (le, worker) (rate(platform_module_compile_duration_seconds_bucket[1m]))", "platform_module_compile_duration_seconds_bucket")]
    [InlineData("(sum by (tenant) (rate(platform_rejections_total{reason=\"out_of_fuel\"}[5m])) > 0.2) unless on (tenant) (x <= 4 * sum by (tenant) (rate(platform_rejections_total{reason=\"out_of_fuel\"}[1h] offset 5m)))",
        "platform_rejections_total{reason=\"out_of_fuel\"}|x")]
    [InlineData("sum(rate(platform_invocations_total{outcome=~\"unavailable|overloaded\"}[5m])) / sum(rate(platform_invocations_total[5m])) > 0.05 and sum(rate(platform_invocations_total[5m])) > 0.1",
        "platform_invocations_total{outcome=~\"unavailable|overloaded\"}|platform_invocations_total")]
    [InlineData("histogram_quantile(0.95, sum by (le) (rate(platform_invocation_duration_seconds_bucket{tenant=\"demo\",function=~\".*\"}[1m])))",
        "platform_invocation_duration_seconds_bucket{tenant=\"demo\",function=~\".*\"}")]
    public void Selectors_OfAnExpression_AreItsSeriesSelectorsOnly(string expression, string expected)
    {
        Assert.Equal(expected.Split('|').Length == 1 ? [expected] : SplitSelectors(expected), PromQl.Selectors(expression));
    }

    /// <summary>Splits on '|' outside quotes.</summary>
    private static string[] SplitSelectors(string text)
    {
        var parts = new List<string>();
        var current = new System.Text.StringBuilder();
        var quoted = false;
        foreach (var c in text)
        {
            if (c == '"')
                quoted = !quoted;
            if (c == '|' && !quoted)
            {
                parts.Add(current.ToString());
                current.Clear();
                continue;
            }

            current.Append(c);
        }

        parts.Add(current.ToString());
        return [.. parts];
    }
}
