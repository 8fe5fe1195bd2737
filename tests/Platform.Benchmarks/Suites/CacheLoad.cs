using Platform.Runtime;
using Platform.Testing;

namespace Platform.Benchmarks.Suites;

/// <summary>Comparison 3: compile vs artifact load from disk vs in-memory hit.</summary>
internal static class CacheLoad
{
    public static void Run(Report report, bool quick)
    {
        var rows = new List<IReadOnlyList<string>>();
        foreach (var (guest, label, iterations) in new[] { ("hello", "hello.wasm", quick ? 3 : 15), ("big", "big.wasm", quick ? 2 : 5) })
        {
            var bytes = GuestModules.Bytes(guest);
            var root = Path.Combine(Path.GetTempPath(), "platform-bench", Guid.NewGuid().ToString("N"));
            var options = new RuntimeOptions { CacheDir = root };
            using var engine = new WasmEngine(options);

            var compile = new List<long>();
            var disk = new List<long>();
            var memory = new List<long>();
            string sha256 = "";
            long artifactBytes = 0;
            for (var i = 0; i < iterations; i++)
            {
                // Compile: an empty cache compiles, serializes and writes the artifact.
                Directory.CreateDirectory(root);
                foreach (var file in Directory.EnumerateFiles(root)) File.Delete(file);
                var cold = engine.InProcessCache();
                compile.Add(Time(() => { var m = cold.GetOrCompile(bytes); sha256 = m.Sha256; artifactBytes = m.ArtifactBytes; }));

                // Disk: a new cache (empty memory) over the artifact just written: verify + deserialize.
                var restarted = engine.InProcessCache();
                disk.Add(Time(() => _ = restarted.TryGet(sha256) ?? throw new InvalidOperationException("artifact missing")));

                // Memory: the same cache again.
                memory.Add(Time(() => _ = restarted.TryGet(sha256) ?? throw new InvalidOperationException("not in memory")));
            }

            rows.Add([label, $"{bytes.Length / 1024} KB", $"{artifactBytes / 1024} KB", Ms(compile), Ms(disk), Us(memory),
                (Median(compile) / Median(disk)).ToString("0", System.Globalization.CultureInfo.InvariantCulture) + "×"]);
            Directory.Delete(root, recursive: true);
        }

        report.Heading("Compile vs artifact cache (comparison 3)");
        report.Paragraph("Median of the iterations (min–max in brackets). Compile = validate + Cranelift + serialize + atomic write; "
            + "disk = read + SHA-256 verify + deserialize; memory = LRU hit.");
        report.Table(["module", "wasm", "artifact", "compile ms", "disk load ms", "memory hit µs", "compile / disk"], rows);
    }

    private static long Time(Action action)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        action();
        return System.Diagnostics.Stopwatch.GetElapsedTime(started).Ticks;
    }

    private static double Median(List<long> ticks) => ticks.Order().ElementAt(ticks.Count / 2);

    private static string Ms(List<long> ticks) =>
        $"{Report.F(Median(ticks) / TimeSpan.TicksPerMillisecond)} ({Report.F(ticks.Min() / (double)TimeSpan.TicksPerMillisecond)}–{Report.F(ticks.Max() / (double)TimeSpan.TicksPerMillisecond)})";

    private static string Us(List<long> ticks) =>
        $"{Report.F(Median(ticks) / TimeSpan.TicksPerMicrosecond)} ({Report.F(ticks.Min() / (double)TimeSpan.TicksPerMicrosecond)}–{Report.F(ticks.Max() / (double)TimeSpan.TicksPerMicrosecond)})";
}
