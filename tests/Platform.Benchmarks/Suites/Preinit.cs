using System.Globalization;
using System.Text;
using Platform.Runtime;
using Platform.Runtime.Compilation;
using Platform.Runtime.Preinit;
using Platform.Testing;

namespace Platform.Benchmarks.Suites;

/// <summary>
/// Warm invocations of <c>examples/c/lookup.c</c> (a 256 KB table built by its initialiser)
/// as uploaded and as the snapshot that pre-initialisation writes at deploy, side by side.
/// </summary>
internal static class Preinit
{
    public const string HeadingPrefix = "Pre-initialisation";

    public static void Run(Report report, bool quick)
    {
        var cacheDir = Path.Combine(Path.GetTempPath(), "platform-bench", Guid.NewGuid().ToString("N"));
        using var engine = new WasmEngine(new RuntimeOptions { CacheDir = cacheDir });
        var executor = new FunctionExecutor(engine);
        var original = GuestModules.Bytes("lookup");
        var snapshot = new InProcessCompiler(engine)
            .PreinitializeAsync(original, new PreinitRequest { Args = ["lookup"] }, null, CancellationToken.None).GetAwaiter().GetResult();
        var cache = engine.InProcessCache();
        var plain = cache.GetOrCompile(original);
        var preinitialised = cache.GetOrCompile(snapshot.Module);
        var request = new InvocationRequest { Input = "4242"u8.ToArray(), Args = ["lookup"] };

        string? expected = null;
        long plainFuel = 0, snapshotFuel = 0;
        void Invoke(CompiledModule module, ref long fuel)
        {
            var result = executor.Invoke(module, request);
            var output = Encoding.UTF8.GetString(result.Output.Span);
            expected ??= output;
            if (result.Outcome != Outcome.Ok || output != expected) throw new InvalidOperationException($"{result.Outcome} {result.Message}: '{output}' vs '{expected}'");
            fuel = result.FuelConsumed;
        }

        var rounds = quick ? 2 : 3;
        var iterations = quick ? 5 : 20;
        var series = Measure.Interleaved(rounds, iterations, warmup: 3,
            ("lookup.wasm as uploaded (table built in main)", () => Invoke(plain, ref plainFuel)),
            ("lookup.wasm pre-initialised (table in the snapshot)", () => Invoke(preinitialised, ref snapshotFuel)));

        report.Heading($"{HeadingPrefix}: warm invoke of examples/c/lookup.c with and without the snapshot");
        report.Paragraph($"One engine, both modules compiled and loaded; every invocation answers `{expected?.Trim()}`. {rounds} interleaved rounds of {iterations} invocations after 3 warm-up ones; "
            + $"the spread is the range of the per-round medians. Upload {original.Length / 1024} KB, snapshot {snapshot.Module.Length / 1024} KB; "
            + $"the initialiser used {snapshot.FuelConsumed.ToString("N0", CultureInfo.InvariantCulture)} fuel once, at deploy.");
        report.LatencyTable(series, series[0]);
        report.Table(["variant", "fuel per invocation", "× as uploaded"],
        [
            [series[0].Name, plainFuel.ToString("N0", CultureInfo.InvariantCulture), "1.00"],
            [series[1].Name, snapshotFuel.ToString("N0", CultureInfo.InvariantCulture), ((double)snapshotFuel / plainFuel).ToString("0.0000", CultureInfo.InvariantCulture)],
        ]);
        Directory.Delete(cacheDir, recursive: true);
    }
}
