namespace Platform.Testing.Faults;

public sealed record ControlPlaneRestartResult(
    FaultReport Report, IReadOnlyList<Sample> Samples, IReadOnlyList<Upload> Uploads, IReadOnlyList<Upload> MissingUploads,
    TimeSpan KilledAt, TimeSpan ServingAt, TimeSpan WorkersHeardAfter, long OkAnswers, long UsageOk);

/// <summary>
/// kill -9 of the control plane under a steady load of invocations and uploads, started again
/// 2 s later on the same ports: the workers must carry on with it (heartbeats to the new
/// process), every acknowledged upload must be stored, and invocations must succeed again.
/// </summary>
public static class ControlPlaneRestartScenario
{
    public const double PerSecond = 50;
    public static readonly TimeSpan Duration = TimeSpan.FromSeconds(24);
    public static readonly TimeSpan KillAt = TimeSpan.FromSeconds(6);
    public static readonly TimeSpan RestartAt = TimeSpan.FromSeconds(8);
    public static readonly TimeSpan UploadInterval = TimeSpan.FromMilliseconds(250);

    public static async Task<ControlPlaneRestartResult> RunAsync()
    {
        await using var bed = await FaultBed.StartAsync();
        TimeSpan killedAt = default, servingAt = default, heardAllAfter = default;
        var run = await LoadUnderFault.RunAsync(bed, PerSecond, Duration, UploadInterval, async clock =>
        {
            killedAt = await clock.At(KillAt);
            await bed.Cluster.KillControlPlaneAsync();
            await clock.At(RestartAt);
            var restartedWall = DateTimeOffset.UtcNow;
            await bed.Cluster.StartControlPlaneAsync();
            servingAt = clock.Now;
            await bed.Cluster.WaitForLiveWorkersAsync(bed.Api, Enumerable.Range(0, bed.Cluster.WorkerCount), TimeSpan.FromSeconds(30), row => row.LastHeartbeat > restartedWall);
            heardAllAfter = clock.Now - servingAt;
        });

        var report = new FaultReport($"kill -9 of the control plane under {PerSecond:0} invocations/s and an upload every {UploadInterval.TotalMilliseconds:0} ms");
        run.ReportPhases(report, killedAt, servingAt, "answered before the kill", "in flight at the kill", "sent while down or starting", "after it served again");
        report.Fact($"Killed at {Timeline.Seconds(killedAt)}, started at {Timeline.Seconds(RestartAt)}, answering /healthz at {Timeline.Seconds(servingAt)} ({(servingAt - killedAt).TotalMilliseconds:0} ms without a control plane).");
        report.Fact($"All {bed.Cluster.WorkerCount} workers were live with a heartbeat received by the new process {heardAllAfter.TotalMilliseconds:0} ms after it served.");
        report.Fact(run.DescribeUploads(killedAt, servingAt, "before the kill", "while down", "after"));
        report.Fact($"Usage counted {run.UsageOk} OK invocations of the {run.OkAnswers} OK answers: {run.OkAnswers - run.UsageOk} lost with the killed process (at most one flush interval, {FaultBed.UsageFlushInterval.TotalSeconds:0} s, is documented).");
        foreach (var failure in LoadStats.Failures(run.Samples, killedAt, "the kill")) report.Fact($"Not OK: {failure}.");
        return new ControlPlaneRestartResult(report, run.Samples, run.Uploads, run.MissingUploads, killedAt, servingAt, heardAllAfter, run.OkAnswers, run.UsageOk);
    }
}
