using Platform.Runtime;
using Platform.Testing;

namespace Platform.Benchmarks.Suites;

/// <summary>
/// The cost of a component's <c>list&lt;u8&gt;</c> body: the binding marshals a list one value
/// per byte. An echo component against the preview-1 echo module (stdin/stdout copied by the
/// host in bulk), same input, fresh store each call.
/// </summary>
internal static class ComponentMarshalling
{
    public const string HeadingPrefix = "Component bodies";

    public static void Run(Report report, bool quick)
    {
        var root = Path.Combine(Path.GetTempPath(), "platform-bench", Guid.NewGuid().ToString("N"));
        using var engine = new WasmEngine(new RuntimeOptions { CacheDir = root });
        var cache = engine.InProcessCache();
        var module = cache.GetOrCompile(Wasmtime.Module.ConvertText(GuestWat.Echo));
        var component = cache.GetOrCompile(Wasmtime.Module.ConvertText(ComponentWat.Invoke));
        var executor = new FunctionExecutor(engine);

        var series = new List<Series>();
        foreach (var (size, label, iterations) in new[] { (1 << 10, "1 KB", quick ? 50 : 300), (64 << 10, "64 KB", quick ? 10 : 40), (1 << 20, "1 MB", quick ? 1 : 3) })
        {
            var input = new byte[size];
            Array.Fill(input, (byte)'x');
            // Limits far above what the copies need: this measures time, it does not enforce a budget.
            var request = new InvocationRequest
            {
                Input = input,
                Args = ["echo"],
                Limits = InvocationLimits.Default with { TimeoutMs = 120_000, Fuel = 100_000_000_000, MaxOutputBytes = 2 << 20 },
            };
            void Run(CompiledModule compiled)
            {
                var result = executor.Invoke(compiled, request);
                if (result.Outcome != Outcome.Ok || result.Output.Length != size) throw new InvalidOperationException($"{result.Outcome}: {result.Message}");
            }

            series.AddRange(Measure.Interleaved(rounds: 3, iterations, warmup: 1,
                ($"module echo {label}", () => Run(module)),
                ($"component echo {label}", () => Run(component))));
        }

        Directory.Delete(root, recursive: true);
        report.Heading($"{HeadingPrefix}: list<u8> marshalling");
        report.Paragraph("One invocation each (fresh store, instantiate, call, body back), interleaved rounds. The module gets the body on "
            + "stdin and writes it to stdout; the component gets it as list<u8> and returns it, which the binding marshals one "
            + "ComponentValue per byte each way.");
        report.LatencyTable(series);
    }
}
