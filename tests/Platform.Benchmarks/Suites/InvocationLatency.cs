using System.Text;
using Platform.Runtime;
using Platform.Testing;
using Wasmtime;

namespace Platform.Benchmarks.Suites;

/// <summary>
/// Comparisons 1 and 2: bare Wasmtime instantiate + call (the floor) vs a warm invocation
/// through our sandbox as the engine is configured by default (pooling allocator, copy-on-write
/// memory images); beside it the previous default (Wasmtime's on-demand allocator) and the stock
/// Wasmtime WASI (stdin from a file) as the "before".
/// </summary>
internal static class InvocationLatency
{
    public const string HeadingPrefix = "Invocation latency, in process";

    private const string TrivialExport = """(module (func (export "run") (result i32) (i32.const 42)))""";

    public static IReadOnlyList<Series> Run(Report report, bool quick)
    {
        var cacheRoot = Path.Combine(Path.GetTempPath(), "platform-bench", Guid.NewGuid().ToString("N"));
        using var engine = new WasmEngine(new RuntimeOptions { CacheDir = Path.Combine(cacheRoot, "default") });
        using var onDemand = new WasmEngine(new RuntimeOptions { CacheDir = Path.Combine(cacheRoot, "on-demand"), UsePoolingAllocator = false });
        var executor = new FunctionExecutor(engine);
        var onDemandExecutor = new FunctionExecutor(onDemand);

        var cHello = GuestModules.Bytes("hello");
        var helloModule = engine.InProcessCache().GetOrCompile(cHello);
        var onDemandHello = onDemand.InProcessCache().GetOrCompile(cHello);
        var watModule = engine.InProcessCache().GetOrCompile(Module.ConvertText(GuestWat.Hello));
        var request = new InvocationRequest { Input = "ping"u8.ToArray(), Args = ["hello"], Env = [new("PLATFORM_FUNCTION", "hello")] };

        using var trivial = Module.FromText(engine.Engine, "trivial", TrivialExport);
        void Bare()
        {
            using var store = new Store(engine.Engine);
            store.Fuel = 1_000_000;
            store.SetEpochDeadline(1_000);
            var instance = new Instance(store, trivial);
            if (instance.GetFunction<int>("run")!() != 42) throw new InvalidOperationException();
        }

        void Check(InvocationResult result, string expected)
        {
            if (result.Outcome != Outcome.Ok || !Encoding.UTF8.GetString(result.Output.Span).StartsWith(expected, StringComparison.Ordinal))
                throw new InvalidOperationException($"unexpected result {result.Outcome} {result.Message}");
        }

        var stock = new StockWasi(engine.Engine, cHello);
        var rounds = quick ? 2 : 5;
        var iterations = quick ? 300 : 2_000;
        var series = Measure.Interleaved(rounds, iterations, warmup: 500,
            ("1. bare Wasmtime: instantiate + call trivial export", Bare),
            ("2a. sandbox: WAT hello (WASI fd_write)", () => Check(executor.Invoke(watModule, request), "hello")),
            ("2b. sandbox: C hello (wasi-libc, 145 KB), the default engine", () => Check(executor.Invoke(helloModule, request), "Hello from Platform")),
            ("2c. sandbox, previous default (on-demand allocator): C hello", () => Check(onDemandExecutor.Invoke(onDemandHello, request), "Hello from Platform")),
            ("2d. stock Wasmtime WASI (stdin file): C hello", () => Check(stock.Invoke(), "Hello from Platform")));

        report.Heading($"{HeadingPrefix} (comparisons 1 and 2)");
        report.Paragraph("Each invocation: new Store, fuel + epoch deadline + limits, instantiate, `_start`, capture stdout. "
            + "The default engine uses Wasmtime's pooling allocator with copy-on-write memory images; 2c is the same sandbox on Wasmtime's on-demand allocator. "
            + $"{rounds} interleaved rounds of {iterations} invocations after 500 warm-up ones each; the spread is the range of the per-round medians.");
        report.LatencyTable(series, series[0]);
        stock.Dispose();
        Directory.Delete(cacheRoot, recursive: true);
        return series;
    }

    /// <summary>The "before": Wasmtime's own WASI, which reads stdin from a file path.</summary>
    private sealed class StockWasi : IDisposable
    {
        private readonly Engine _engine;
        private readonly Linker _linker;
        private readonly Module _module;
        private readonly string _stdin = Path.GetTempFileName();

        public StockWasi(Engine engine, byte[] wasm)
        {
            _engine = engine;
            _linker = new Linker(engine);
            _linker.DefineWasi();
            _module = Module.FromBytes(engine, "hello", wasm);
            File.WriteAllText(_stdin, "ping");
        }

        public InvocationResult Invoke()
        {
            var output = new MemoryStream();
            using var store = new Store(_engine);
            store.Fuel = 1_000_000_000;
            store.SetEpochDeadline(1_000);
            store.SetWasiConfiguration(new WasiConfiguration()
                .WithArgs("hello")
                .WithEnvironmentVariable("PLATFORM_FUNCTION", "hello")
                .WithStandardInput(_stdin)
                .WithStandardOutputCallback(data => output.Write(data)));
            _linker.Instantiate(store, _module).GetAction("_start")!();
            return new InvocationResult { Outcome = Outcome.Ok, Output = output.ToArray() };
        }

        public void Dispose()
        {
            _module.Dispose();
            _linker.Dispose();
            File.Delete(_stdin);
        }
    }
}
