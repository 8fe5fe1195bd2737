using Platform.Benchmarks;
using Platform.Benchmarks.Suites;
using Platform.Testing;

// Usage: dotnet run -c Release --project tests/Platform.Benchmarks [-- --quick] [--output FILE]
var quick = args.Contains("--quick");
var outputIndex = Array.IndexOf(args, "--output");
var output = outputIndex >= 0 && outputIndex + 1 < args.Length
    ? args[outputIndex + 1]
    : Path.Combine(GuestModules.RepositoryRoot, "tests", "Platform.Benchmarks", quick ? "results-quick.md" : "results.md");

var report = new Report();
var latency = InvocationLatency.Run(report, quick);
CacheLoad.Run(report, quick);
CpuBound.Run(report, quick);
NodePeer.Run(report, quick, latency);
report.Write(output, Machine.Describe());
Console.WriteLine();
Console.WriteLine($"Results written to {Path.GetRelativePath(Environment.CurrentDirectory, output)}");
