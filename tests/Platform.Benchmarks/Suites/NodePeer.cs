using System.Diagnostics;
using System.Text.Json;
using Platform.Testing;

namespace Platform.Benchmarks.Suites;

/// <summary>Comparison 5: Node.js running the same WASI module through node:wasi, per invocation.</summary>
internal static class NodePeer
{
    public sealed record NodeResult(string Version, int Iterations, double P50Us, double P99Us, double MinUs, double MaxUs);

    public static void Run(Report report, bool quick, IReadOnlyList<Series> sandbox)
    {
        var iterations = quick ? 300 : 2_000;
        var hello = RunJson(GuestModules.PathOf("hello"), iterations, "ping");
        var echo = RunJson(GuestModules.PathOf("echo"), iterations, "ping");

        report.Heading("Peer runtime: Node.js node:wasi, per invocation (comparison 5)");
        report.Paragraph($"Node {hello.Version}, module compiled once, a fresh `WASI` + instance per invocation (stdio through temp files, the only way node:wasi takes them), {iterations} invocations, `gc()` every 100 outside the timed span.");
        var ours = sandbox.FirstOrDefault(s => s.Name.Contains("C hello", StringComparison.Ordinal) && !s.Name.Contains("pooling", StringComparison.Ordinal) && !s.Name.Contains("stock", StringComparison.Ordinal));
        report.Table(["runtime", "guest", "p50 µs", "p99 µs", "min–max µs", "× our sandbox (C hello)"],
        [
            ["node:wasi", "hello.wasm", Report.F(hello.P50Us), Report.F(hello.P99Us), $"{Report.F(hello.MinUs)}–{Report.F(hello.MaxUs)}", ours is null ? "" : (hello.P50Us / ours.MedianUs).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture)],
            ["node:wasi", "echo.wasm", Report.F(echo.P50Us), Report.F(echo.P99Us), $"{Report.F(echo.MinUs)}–{Report.F(echo.MaxUs)}", ""],
            .. ours is null ? Array.Empty<IReadOnlyList<string>>() : [["our sandbox", "hello.wasm", Report.F(ours.MedianUs), Report.F(ours.P99Us), $"{Report.F(ours.SpreadLowUs)}–{Report.F(ours.SpreadHighUs)} (round medians)", "1.0"]],
        ]);
    }

    public static NodeResult RunJson(string module, int iterations, string input, params string[] args)
    {
        var script = Path.Combine(GuestModules.RepositoryRoot, "tests", "Platform.Benchmarks", "node", "wasi-bench.mjs");
        var start = new ProcessStartInfo("node", ["--expose-gc", script, module, iterations.ToString(System.Globalization.CultureInfo.InvariantCulture), input, .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["NODE_NO_WARNINGS"] = "1";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEnd();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"node failed ({process.ExitCode}): {stderr}");
        var json = JsonDocument.Parse(stdout.Trim().Split('\n')[^1]).RootElement;
        return new NodeResult(
            json.GetProperty("version").GetString()!,
            json.GetProperty("iterations").GetInt32(),
            json.GetProperty("p50Us").GetDouble(),
            json.GetProperty("p99Us").GetDouble(),
            json.GetProperty("minUs").GetDouble(),
            json.GetProperty("maxUs").GetDouble());
    }
}
