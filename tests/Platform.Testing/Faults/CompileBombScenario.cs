using System.Diagnostics;
using Platform.Testing.Processes;

namespace Platform.Testing.Faults;

public sealed record TimedUpload(UploadAttempt Attempt, TimeSpan Took);

public sealed record CompileBombResult(
    FaultReport Report,
    IReadOnlyList<Sample> CalmBaseline,
    IReadOnlyList<Sample> CalmDuringBombs,
    IReadOnlyList<Sample> CalmAfter,
    IReadOnlyList<TimedUpload> Bombs,
    TimedUpload OtherUpload,
    bool ControlPlaneAlive);

/// <summary>
/// A tenant uploads <see cref="BombCount"/> compile bombs at once (each would take Cranelift
/// many seconds and a gigabyte) against a compile budget of <see cref="CpuBudget"/> of CPU,
/// while another tenant ("acme") runs a steady load it also runs alone before and after, and a
/// third uploads an ordinary module: every bomb is refused INVALID_MODULE naming the budget,
/// the ordinary upload completes, the calm tenant keeps succeeding and its latency is compared
/// with its own baseline.
/// </summary>
public static class CompileBombScenario
{
    public const string Attacker = "attacker";
    public const string Builder = "builder";
    public const int BombCount = 4;
    public const double CalmPerSecond = 20;
    public static readonly TimeSpan CpuBudget = TimeSpan.FromSeconds(3);
    public static readonly TimeSpan Alone = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan DuringBombs = TimeSpan.FromSeconds(15);
    public static readonly TimeSpan UploadTimeout = TimeSpan.FromMinutes(4);

    public static async Task<CompileBombResult> RunAsync()
    {
        string[] budget = [$"--Platform:Compile:MaxCpuTime={CpuBudget}"];
        await using var bed = await FaultBed.StartAsync(workers: 2, controlPlaneArguments: budget, workerArguments: budget);
        // One tenant's compiles run one at a time: its fourth bomb waits for three budgets.
        using var attacker = new PlatformApi(bed.Cluster.RestUri, bed.Cluster.GrpcUri, ProcessCluster.AdminKey, "", UploadTimeout);
        await attacker.CreateTenantAsync(Attacker);
        using var builder = bed.Cluster.AdminApi();
        await builder.CreateTenantAsync(Builder);

        var baseline = await SteadyLoad.RunAsync(bed.Api, FaultBed.EchoFunction, CalmPerSecond, Alone, FaultBed.ClientTimeout);

        var calm = SteadyLoad.RunAsync(bed.Api, FaultBed.EchoFunction, CalmPerSecond, DuringBombs, FaultBed.ClientTimeout);
        var bombs = Task.WhenAll(Enumerable.Range(1, BombCount).Select(i => UploadAsync(attacker, $"bomb-{i}", CompileBomb.Build())));
        // The ordinary upload arrives while the bombs compile (and wait for their tenant's turn).
        await Task.Delay(TimeSpan.FromSeconds(1));
        var other = await UploadAsync(builder, "hello", Wasmtime.Module.ConvertText(FaultModules.Echo));
        var during = await calm;
        var bombResults = await bombs;

        var after = await SteadyLoad.RunAsync(bed.Api, FaultBed.EchoFunction, CalmPerSecond, Alone, FaultBed.ClientTimeout);
        var alive = bed.Cluster.ControlPlane is { HasExited: false };

        var report = new FaultReport($"compile bombs: \"{Attacker}\" uploads {BombCount} modules of {CompileBomb.Build().Length / 1024} KB that take Cranelift ~17 s and ~0.9 GB each, under a compile budget of {CpuBudget.TotalSeconds:0} s CPU; \"{Builder}\" uploads an ordinary module meanwhile; \"{FaultBed.Tenant}\" runs {CalmPerSecond:0}/s");
        report.Phase($"{FaultBed.Tenant}, alone before", baseline);
        var meanwhile = report.Phase($"{FaultBed.Tenant}, while the bombs compile", during);
        report.Phase($"{FaultBed.Tenant}, alone after", after);
        var aloneStats = LoadStats.Of([.. baseline, .. after]);
        foreach (var (bomb, i) in bombResults.Select((b, i) => (b, i + 1)))
            report.Fact($"bomb-{i}: {bomb.Attempt.Status} {bomb.Attempt.Code} after {Timeline.Seconds(bomb.Took)}: {bomb.Attempt.Error}");
        report.Fact($"{Builder}'s ordinary upload: {other.Attempt.Status} after {Timeline.Seconds(other.Took)}.");
        report.Fact($"{FaultBed.Tenant}'s latency while the bombs compiled vs alone (before and after together): p50 {Ratio(meanwhile.P50Ms, aloneStats.P50Ms)}, p99 {Ratio(meanwhile.P99Ms, aloneStats.P99Ms)}.");
        report.Fact($"control plane {(alive ? "still running" : "GONE")} after the bombs.");
        return new CompileBombResult(report, baseline, during, after, bombResults, other, alive);
    }

    private static async Task<TimedUpload> UploadAsync(PlatformApi api, string name, byte[] module)
    {
        var started = Stopwatch.GetTimestamp();
        using var timeout = new CancellationTokenSource(UploadTimeout);
        var attempt = await api.TryDeployAsync(name, module, timeout.Token);
        return new TimedUpload(attempt, Stopwatch.GetElapsedTime(started));
    }

    private static string Ratio(double value, double baseline) => baseline <= 0 ? "n/a" : $"{value / baseline:0.00}x ({LoadStats.Ms(value)} vs {LoadStats.Ms(baseline)} ms)";
}
