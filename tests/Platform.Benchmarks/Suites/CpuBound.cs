using System.Diagnostics;
using System.Globalization;
using System.Text;
using Platform.Runtime;
using Platform.Runtime.Wasi;
using Platform.Testing;
using Wasmtime;

namespace Platform.Benchmarks.Suites;

/// <summary>
/// Comparison 4: the CPU-bound C guest (sieve + FNV-1a) natively, in our sandbox with fuel,
/// and in the same sandbox without fuel (epoch interruption only); plus Node for reference.
/// </summary>
internal static class CpuBound
{
    public static void Run(Report report, bool quick)
    {
        var rounds = quick ? "10" : "100";
        var runs = quick ? 2 : 5;
        var wasm = GuestModules.Bytes("cpu");
        var options = new RuntimeOptions { CacheDir = Path.Combine(Path.GetTempPath(), "platform-bench", Guid.NewGuid().ToString("N")) };
        using var engine = new WasmEngine(options);
        var module = engine.InProcessCache().GetOrCompile(wasm);
        var executor = new FunctionExecutor(engine);
        using var noFuel = new NoFuelSandbox(wasm);
        var limits = InvocationLimits.Default with { Fuel = long.MaxValue / 4, TimeoutMs = 600_000 };

        var native = new List<double>();
        var withFuel = new List<double>();
        var withoutFuel = new List<double>();
        string? expected = null;
        long fuel = 0;
        for (var run = 0; run < runs; run++)
        {
            native.Add(TimeMs(() => Check(ref expected, RunNative(rounds))));
            withFuel.Add(TimeMs(() =>
            {
                var result = executor.Invoke(module, new InvocationRequest { Args = ["cpu", rounds], Limits = limits });
                if (result.Outcome != Outcome.Ok) throw new InvalidOperationException($"{result.Outcome}: {result.Message}");
                fuel = result.FuelConsumed;
                Check(ref expected, Encoding.UTF8.GetString(result.Output.Span));
            }));
            withoutFuel.Add(TimeMs(() => Check(ref expected, noFuel.Run(rounds))));
        }

        var node = NodePeer.RunJson(GuestModules.PathOf("cpu"), runs, "", rounds);

        double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);
        string Row(List<double> values) => $"{Report.F(Median(values))} ({Report.F(values.Min())}–{Report.F(values.Max())})";
        string Ratio(double value) => value.ToString("0.00", CultureInfo.InvariantCulture);

        report.Heading("CPU-bound guest: native vs Wasm, fuel vs no fuel (comparison 4)");
        report.Paragraph($"`cpu.c`: sieve of Eratosthenes to 1,000,000 + FNV-1a over it, {rounds} rounds; every variant prints the same line (`{expected?.Trim()}`). "
            + $"{runs} interleaved runs, median (min–max) in ms. Native is `clang-14 -O2`, timed as a whole process (start-up ≈ 1 ms included). "
            + $"The sandbox with fuel consumed {fuel:N0} fuel.");
        report.Table(["variant", "ms", "× native"],
        [
            ["native clang -O2", Row(native), "1.00"],
            ["sandbox, fuel + epoch (production)", Row(withFuel), Ratio(Median(withFuel) / Median(native))],
            ["sandbox, epoch only (no fuel)", Row(withoutFuel), Ratio(Median(withoutFuel) / Median(native))],
            [$"Node {node.Version} node:wasi (no metering)", $"{Report.F(node.P50Us / 1000)} (p50)", Ratio(node.P50Us / 1000 / Median(native))],
        ]);
        report.Paragraph($"Fuel overhead (with fuel / without fuel − 1): **{(Median(withFuel) / Median(withoutFuel) - 1) * 100:0} %**; "
            + $"Wasm with fuel / native: **{Ratio(Median(withFuel) / Median(native))}×**.");
        Directory.Delete(options.CacheDir, recursive: true);
    }

    private static void Check(ref string? expected, string output)
    {
        expected ??= output;
        if (output != expected || !output.StartsWith("primes=", StringComparison.Ordinal)) throw new InvalidOperationException($"outputs differ: '{output}' vs '{expected}'");
    }

    private static string RunNative(string rounds)
    {
        using var process = Process.Start(new ProcessStartInfo(GuestModules.PathOf("cpu-native"), [rounds]) { RedirectStandardOutput = true })!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return output;
    }

    private static double TimeMs(Action action)
    {
        var started = Stopwatch.GetTimestamp();
        action();
        return Stopwatch.GetElapsedTime(started).TotalMilliseconds;
    }

    /// <summary>Our WASI host on an engine with epoch interruption but no fuel: isolates fuel's cost.</summary>
    private sealed class NoFuelSandbox : IDisposable
    {
        private readonly Engine _engine = new(new Config().WithEpochInterruption(true).WithOptimizationLevel(OptimizationLevel.Speed));
        private readonly Linker _linker;
        private readonly Module _module;

        public NoFuelSandbox(byte[] wasm)
        {
            _linker = new Linker(_engine);
            WasiPreview1.Define(_linker);
            _module = Module.FromBytes(_engine, "cpu", wasm);
        }

        public string Run(string rounds)
        {
            var context = new WasiContext(new InvocationRequest { Args = ["cpu", rounds] }, TimeProvider.System);
            using var store = new Store(_engine, context);
            store.SetEpochDeadline(ulong.MaxValue / 2);
            try
            {
                _linker.Instantiate(store, _module).GetAction("_start")!();
            }
            catch (WasmtimeException) when (context.ExitCode == 0)
            {
            }

            return Encoding.UTF8.GetString(context.Output.Span);
        }

        public void Dispose()
        {
            _module.Dispose();
            _linker.Dispose();
            _engine.Dispose();
        }
    }
}
