using Platform.Benchmarks;
using Platform.Benchmarks.EndToEnd;
using Platform.Benchmarks.Suites;
using Platform.Testing;

// Usage: dotnet run -c Release --project tests/Platform.Benchmarks [-- [--quick] [--e2e | --latency | --all] [--output FILE]]
//   (no switch)  the in-process suites (sandbox latency, artifact cache, CPU-bound, Node peer); the file is rewritten
//   --e2e        only the end-to-end suite (servers as child processes, hey, gRPC); its section replaces the one in the file
//   --faults     only the fault scenarios (platform as separate processes); their sections replace the ones in the file
//   --languages  only the per-language suite (every example language's greet function); its section replaces the one in the file
//   --preinit    only the pre-initialisation rows (examples/c/lookup.c with and without the snapshot); its section replaces the one in the file
//   --components only the component body marshalling rows; its section replaces the one in the file
//   --latency    only the in-process invocation latency suite; its section replaces the one in the file
//   --all        in-process and end-to-end, one file
//   --cold       only the end-to-end cold-start row (one `dev` platform), written to results-cold.md
//   --restart    only the first invoke after a worker restart, with and without the worker's warm-up, written to results-restart.md
if (args.Contains(FloorServer.Argument)) return await FloorServer.RunAsync();
if (args.Contains("--restart"))
{
    var restartReport = new Report();
    await EndToEnd.RunRestartAsync(restartReport, args.Contains("--quick"));
    var restartFile = Path.Combine(GuestModules.RepositoryRoot, "tests", "Platform.Benchmarks", "results-restart.md");
    await File.WriteAllTextAsync(restartFile, Machine.Describe().TrimEnd('\n') + "\n\n" + restartReport.Markdown);
    Console.WriteLine($"Results written to {Path.GetRelativePath(Environment.CurrentDirectory, restartFile)}");
    return 0;
}

var quick = args.Contains("--quick");
var all = args.Contains("--all");
var faults = args.Contains("--faults");
var languages = args.Contains("--languages");
var preinit = args.Contains("--preinit");
var components = args.Contains("--components");
var latencyOnly = args.Contains("--latency");
var e2e = all || args.Contains("--e2e");
var cold = !e2e && args.Contains("--cold");
var inProcess = all || (!e2e && !faults && !languages && !cold && !preinit && !components && !latencyOnly);
var outputIndex = Array.IndexOf(args, "--output");
var output = outputIndex >= 0 && outputIndex + 1 < args.Length
    ? args[outputIndex + 1]
    : Path.Combine(GuestModules.RepositoryRoot, "tests", "Platform.Benchmarks", cold ? "results-cold.md" : quick ? "results-quick.md" : "results.md");

var report = new Report();
if (inProcess)
{
    var latency = InvocationLatency.Run(report, quick);
    CacheLoad.Run(report, quick);
    CpuBound.Run(report, quick);
    NodePeer.Run(report, quick, latency);
    ComponentMarshalling.Run(report, quick);
}

if (inProcess || languages) Languages.Run(report, quick);
if (inProcess || preinit) Preinit.Run(report, quick);
if (components && !inProcess) ComponentMarshalling.Run(report, quick);
if (latencyOnly && !inProcess) InvocationLatency.Run(report, quick);

if (e2e) await EndToEnd.RunAsync(report, quick);
if (faults) await Faults.RunAsync(report);
if (cold) await EndToEnd.RunColdAsync(report, quick);

if (inProcess)
{
    report.Write(output, Machine.Describe());
}
else
{
    // Keep the other suites' sections of the file; replace (or add) this run's.
    var existing = File.Exists(output) ? await File.ReadAllTextAsync(output) : Machine.Describe();
    if (e2e) existing = ResultsFile.WithoutSections(existing, EndToEnd.HeadingPrefix);
    if (faults) existing = ResultsFile.WithoutSections(existing, Faults.HeadingPrefix);
    if (languages) existing = ResultsFile.WithoutSections(existing, Languages.HeadingPrefix);
    if (cold) existing = ResultsFile.WithoutSections(existing, EndToEnd.HeadingPrefix);
    if (preinit) existing = ResultsFile.WithoutSections(existing, Preinit.HeadingPrefix);
    if (components) existing = ResultsFile.WithoutSections(existing, ComponentMarshalling.HeadingPrefix);
    if (latencyOnly) existing = ResultsFile.WithoutSections(existing, InvocationLatency.HeadingPrefix);
    await File.WriteAllTextAsync(output, existing.TrimEnd('\n') + "\n\n" + Machine.Note() + report.Markdown);
}

Console.WriteLine();
Console.WriteLine($"Results written to {Path.GetRelativePath(Environment.CurrentDirectory, output)}");
return 0;
