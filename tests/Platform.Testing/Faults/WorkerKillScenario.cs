using Platform.Testing.Processes;

namespace Platform.Testing.Faults;

public sealed record WorkerKillResult(
    FaultReport Report, IReadOnlyList<Sample> Samples, string Victim, TimeSpan KilledAt, TimeSpan RestartedAt, TimeSpan RejoinedAfter, int ServedByVictimAfterRejoin, TimeSpan? ServedAgainAt);

/// <summary>
/// kill -9 of the worker that serves the function, under a steady load; 8 s later it is started
/// again (same port, cache and id) and must rejoin: registered, live, and chosen again by placement.
/// </summary>
public static class WorkerKillScenario
{
    public const double PerSecond = 50;
    public static readonly TimeSpan Duration = TimeSpan.FromSeconds(24);
    public static readonly TimeSpan KillAt = TimeSpan.FromSeconds(6);
    public static readonly TimeSpan RestartAt = TimeSpan.FromSeconds(14);

    public static async Task<WorkerKillResult> RunAsync()
    {
        await using var bed = await FaultBed.StartAsync();
        var warm = await bed.UntilOkAsync(FaultBed.EchoFunction, 20, TimeSpan.FromSeconds(60));
        var victimId = warm.GroupBy(s => s.Worker).OrderByDescending(g => g.Count()).First().Key!;
        var victim = Enumerable.Range(0, bed.Cluster.WorkerCount).Single(i => ProcessCluster.WorkerId(i) == victimId);

        var clock = new Timeline();
        var load = SteadyLoad.RunAsync(bed.Api, FaultBed.EchoFunction, PerSecond, Duration, FaultBed.ClientTimeout);
        var killedAt = await clock.At(KillAt);
        await bed.Cluster.KillWorkerAsync(victim);
        await clock.At(RestartAt);
        var restartedWall = DateTimeOffset.UtcNow;
        bed.Cluster.StartWorker(victim);
        var restartedAt = clock.Now;
        await bed.Cluster.WaitForLiveWorkersAsync(bed.Api, [victim], TimeSpan.FromSeconds(60), row => row.RegisteredAt >= restartedWall.AddSeconds(-1));
        var rejoinedAfter = clock.Now - restartedAt;
        var samples = await load;

        // When did placement send it work again (the load has ended: one call at a time, bounded)?
        TimeSpan? servedAgainAt = samples.FirstOrDefault(s => s.Worker == victimId && s.SentAt > killedAt) is { Worker: not null } first ? first.SentAt : null;
        for (var i = 0; servedAgainAt is null && clock.Now < Duration + TimeSpan.FromSeconds(60); i++)
        {
            var sample = await SteadyLoad.InvokeAsync(bed.Api, FaultBed.EchoFunction, 100_000 + i, clock.Now, FaultBed.ClientTimeout);
            if (sample.Worker == victimId) servedAgainAt = sample.SentAt;
            else await Task.Delay(50);
        }

        var report = new FaultReport($"kill -9 of a worker under {PerSecond:0} invocations/s (3 workers)");
        report.Phase("answered before the kill", Timeline.DoneBefore(samples, killedAt));
        report.Phase("in flight at the kill", Timeline.InFlightAt(samples, killedAt));
        report.Phase("sent while dead, until it rejoined", Timeline.Between(samples, killedAt, restartedAt + rejoinedAfter));
        report.Phase("after it rejoined", Timeline.Between(samples, restartedAt + rejoinedAfter, TimeSpan.MaxValue));
        report.Phase("whole run", samples);
        var served = samples.Count(s => s.Worker == victimId && s.SentAt >= restartedAt + rejoinedAfter);
        report.Fact($"The killed worker {victimId} served {warm.Count(s => s.Worker == victimId)} of the {warm.Count} warm-up invocations; it was killed at {Timeline.Seconds(killedAt)} and started again at {Timeline.Seconds(restartedAt)}.");
        report.Fact($"It was registered and live again {rejoinedAfter.TotalMilliseconds:0} ms after its start and served {served} invocations of the load after that; "
            + (servedAgainAt is { } again ? $"placement sent it work again {(again - restartedAt).TotalMilliseconds:0} ms after its start." : "placement did not send it work again within 60 s after the load."));
        report.Fact($"Slowest answer {LoadStats.Of(samples).MaxMs:0} ms against a deadline of {FaultBed.Deadline.TotalMilliseconds:0} ms (timeout + margin); answers after the deadline: {samples.Count(s => s.Latency > FaultBed.Deadline)}.");
        foreach (var failure in LoadStats.Failures(samples, killedAt, "the kill")) report.Fact($"Not OK: {failure}.");
        return new WorkerKillResult(report, samples, victimId, killedAt, restartedAt, rejoinedAfter, served, servedAgainAt);
    }
}
