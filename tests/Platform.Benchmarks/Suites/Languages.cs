using System.Globalization;
using System.Text;
using Platform.Runtime;
using Platform.Testing;

namespace Platform.Benchmarks.Suites;

/// <summary>
/// The same function in every language (examples/&lt;language&gt;/greet, built by examples/build.sh),
/// side by side in one run: module size, compile time (validate + Cranelift + serialize, what a
/// deploy costs) and warm in-process invocation latency with the same JSON input. The JavaScript
/// component joins once the runtime executes components.
/// </summary>
internal static class Languages
{
    public const string HeadingPrefix = "Languages";

    private const string Input = """{"name": "Ada"}""";
    private const string Expected = """{"greeting":"hello Ada","length":3}""";

    private static readonly (string Language, string Guest, string Toolchain)[] Rows =
    [
        ("C", "greet", "clang-14 + wasi-libc, -O2"),
        ("Rust", "rust-greet", "rustc 1.63, -O"),
        ("Go", "go-greet", "go 1.23, GOOS=wasip1"),
        ("AssemblyScript", "as-greet", "asc 0.28.20 + wasi-shim, -O3"),
    ];

    public static void Run(Report report, bool quick)
    {
        var root = Path.Combine(Path.GetTempPath(), "platform-bench", Guid.NewGuid().ToString("N"));
        using var engine = new WasmEngine(new RuntimeOptions { CacheDir = root });
        var executor = new FunctionExecutor(engine);
        var request = new InvocationRequest { Input = Encoding.UTF8.GetBytes(Input), Args = ["greet"] };
        var compileRuns = quick ? 2 : 5;

        var compiled = new List<(string Language, string Toolchain, long Bytes, List<long> CompileTicks, CompiledModule Module)>();
        foreach (var (language, guest, toolchain) in Rows)
        {
            var bytes = GuestModules.Bytes(guest);
            var ticks = new List<long>();
            CompiledModule? module = null;
            for (var i = 0; i < compileRuns; i++)
            {
                // A new cache over an emptied folder: every run compiles.
                var folder = Path.Combine(root, $"{guest}-{i}");
                var started = System.Diagnostics.Stopwatch.GetTimestamp();
                module = engine.InProcessCache(folder).GetOrCompile(bytes);
                ticks.Add(System.Diagnostics.Stopwatch.GetElapsedTime(started).Ticks);
            }

            compiled.Add((language, toolchain, bytes.Length, ticks, module!));
        }

        var fuel = new Dictionary<string, long>(StringComparer.Ordinal);
        Action Invoke(string language, CompiledModule module) => () =>
        {
            var result = executor.Invoke(module, request);
            if (result.Outcome != Outcome.Ok || Encoding.UTF8.GetString(result.Output.Span) != Expected)
                throw new InvalidOperationException($"{language}: {result.Outcome} {result.Message} {Encoding.UTF8.GetString(result.Output.Span)}");
            fuel[language] = result.FuelConsumed;
        };

        var rounds = quick ? 2 : 5;
        var iterations = quick ? 30 : 200;
        var series = Measure.Interleaved(rounds, iterations, warmup: 20,
            compiled.Select(c => (c.Language, Invoke(c.Language, c.Module))).ToArray());

        report.Heading($"{HeadingPrefix}: the same greet function in each language");
        report.Paragraph($"examples/<language>/greet (JSON in, JSON out), input `{Input}`. Compile: median of {compileRuns} "
            + "compiles into an empty artifact cache (validate + Cranelift + serialize + write), min–max in brackets. "
            + $"Invoke: warm in-process invocations through the sandbox (new store, instantiate, `_start`, output captured); "
            + $"{rounds} interleaved rounds of {iterations} after 20 warm-up ones each, the spread is the range of the per-round medians.");
        report.Table(
            ["language", "toolchain", "module", "wasm", "compile ms", "invoke median µs", "spread µs", "p99 µs", "fuel"],
            compiled.Select((c, i) => (IReadOnlyList<string>)
            [
                c.Language, c.Toolchain, "preview 1 command", Size(c.Bytes), CompileMs(c.CompileTicks),
                Report.F(series[i].MedianUs), $"{Report.F(series[i].SpreadLowUs)}–{Report.F(series[i].SpreadHighUs)}", Report.F(series[i].P99Us),
                fuel[c.Language].ToString("N0", CultureInfo.InvariantCulture),
            ]));
        Directory.Delete(root, recursive: true);
    }

    private static string Size(long bytes) =>
        bytes >= 1 << 20 ? $"{bytes / (double)(1 << 20):0.0} MB" : $"{bytes / 1024} KB";

    private static string CompileMs(List<long> ticks)
    {
        var ms = ticks.Select(t => t / (double)TimeSpan.TicksPerMillisecond).Order().ToList();
        return $"{Report.F(ms[ms.Count / 2])} ({Report.F(ms[0])}–{Report.F(ms[^1])})";
    }
}
