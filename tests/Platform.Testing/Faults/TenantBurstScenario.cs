using Platform.Testing.Processes;

namespace Platform.Testing.Faults;

public sealed record TenantBurstResult(
    FaultReport Report, IReadOnlyList<Sample> CalmBaseline, IReadOnlyList<Sample> CalmDuringBurst, IReadOnlyList<Sample> CalmAfter, IReadOnlyList<Sample> Noisy, int NoisyAdmissionBound);

/// <summary>
/// One tenant ("noisy", 20 invocations/s, burst 20, 2 at once) sends a spike of 16 simultaneous
/// calls and then 10 times its rate for 10 s, while another tenant ("acme", limits lifted) runs a
/// steady load it also runs alone before and after: the noisy tenant gets exactly RATE_LIMITED and
/// CONCURRENCY_LIMITED beyond its quotas, the other tenant keeps succeeding, and its latency is
/// compared with its own baseline.
/// </summary>
public static class TenantBurstScenario
{
    public const string NoisyTenant = "noisy";
    public const string NoisyFunction = "work";
    public const int NoisyRate = 20;
    public const int NoisyBurst = 20;
    public const int NoisyConcurrency = 2;
    public const double NoisyOffered = 200;
    public const int SpikeSize = 16;
    public const int WorkIterations = 2_000_000;
    public const double CalmPerSecond = 20;
    public static readonly TimeSpan Phase = TimeSpan.FromSeconds(10);

    public static async Task<TenantBurstResult> RunAsync()
    {
        await using var bed = await FaultBed.StartAsync();
        using var noisy = bed.Cluster.AdminApi();
        await noisy.CreateTenantAsync(NoisyTenant);
        await noisy.SetQuotasAsync(NoisyTenant, new { invocationsPerSecond = NoisyRate, burst = NoisyBurst, maxConcurrency = NoisyConcurrency });
        await noisy.DeployAsync(NoisyFunction, FaultModules.Busy(WorkIterations), new { timeoutMs = FaultBed.EchoTimeoutMs });
        await bed.UntilOkAsync(NoisyFunction, 3, TimeSpan.FromSeconds(60), noisy, checkEcho: false);

        // Alone (the noisy tenant's bucket refills meanwhile).
        var baseline = await SteadyLoad.RunAsync(bed.Api, FaultBed.EchoFunction, CalmPerSecond, Phase, FaultBed.ClientTimeout);

        var clock = new Timeline();
        var calm = SteadyLoad.RunAsync(bed.Api, FaultBed.EchoFunction, CalmPerSecond, Phase, FaultBed.ClientTimeout);
        var spike = Task.WhenAll(Enumerable.Range(0, SpikeSize).Select(i => SteadyLoad.InvokeAsync(noisy, NoisyFunction, -1 - i, TimeSpan.Zero, FaultBed.ClientTimeout, checkEcho: false)));
        var flood = SteadyLoad.RunAsync(noisy, NoisyFunction, NoisyOffered, Phase, FaultBed.ClientTimeout, maxInFlight: 128, checkEcho: false);
        var during = await calm;
        IReadOnlyList<Sample> noisySamples = [.. await spike, .. await flood];
        var elapsed = clock.Now;
        var bound = NoisyBurst + (int)Math.Ceiling(NoisyRate * (elapsed.TotalSeconds + 1));

        // Alone again: the baseline on both sides of the burst, so drift of the machine shows.
        var after = await SteadyLoad.RunAsync(bed.Api, FaultBed.EchoFunction, CalmPerSecond, Phase, FaultBed.ClientTimeout);

        var report = new FaultReport($"tenant burst: \"{NoisyTenant}\" ({NoisyRate}/s, burst {NoisyBurst}, {NoisyConcurrency} at once) sends a spike of {SpikeSize} and then {NoisyOffered:0}/s for {Phase.TotalSeconds:0} s; \"{FaultBed.Tenant}\" runs {CalmPerSecond:0}/s");
        report.Phase($"{FaultBed.Tenant}, alone before", baseline);
        var meanwhile = report.Phase($"{FaultBed.Tenant}, during the burst", during);
        report.Phase($"{FaultBed.Tenant}, alone after", after);
        var alone = LoadStats.Of([.. baseline, .. after]);
        report.Phase($"{NoisyTenant} (spike + flood)", noisySamples);
        report.Fact($"{FaultBed.Tenant}'s latency during the burst vs alone (before and after together): p50 {Ratio(meanwhile.P50Ms, alone.P50Ms)}, p99 {Ratio(meanwhile.P99Ms, alone.P99Ms)}.");
        report.Fact($"{NoisyTenant} had {noisySamples.Count(s => s.Ok)} invocations admitted in {Timeline.Seconds(elapsed)}; its quotas allow at most {bound} (burst + rate × (elapsed + 1 s)).");
        return new TenantBurstResult(report, baseline, during, after, noisySamples, bound);
    }

    private static string Ratio(double value, double baseline) => baseline <= 0 ? "n/a" : $"{value / baseline:0.00}x ({LoadStats.Ms(value)} vs {LoadStats.Ms(baseline)} ms)";
}
