using Platform.Testing.Processes;

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
        var clock = new Timeline();
        var load = SteadyLoad.RunAsync(bed.Api, FaultBed.EchoFunction, PerSecond, Duration, FaultBed.ClientTimeout);
        var uploads = UploadLoop.RunAsync(bed.Api, clock, UploadInterval, Duration);
        var killedAt = await clock.At(KillAt);
        await bed.Cluster.KillControlPlaneAsync();
        await clock.At(RestartAt);
        var restartedWall = DateTimeOffset.UtcNow;
        await bed.Cluster.StartControlPlaneAsync();
        var servingAt = clock.Now;
        await bed.Cluster.WaitForLiveWorkersAsync(bed.Api, Enumerable.Range(0, bed.Cluster.WorkerCount), TimeSpan.FromSeconds(30), row => row.LastHeartbeat > restartedWall);
        var heardAllAfter = clock.Now - servingAt;
        var samples = await load;
        var uploaded = await uploads;
        var missing = await UploadLoop.MissingAsync(bed.Api, uploaded);

        var (okAnswers, usageOk) = await bed.UsageAfterFlushAsync(samples);

        var report = new FaultReport($"kill -9 of the control plane under {PerSecond:0} invocations/s and an upload every {UploadInterval.TotalMilliseconds:0} ms");
        report.Phase("answered before the kill", Timeline.DoneBefore(samples, killedAt));
        report.Phase("in flight at the kill", Timeline.InFlightAt(samples, killedAt));
        report.Phase("sent while down or starting", Timeline.Between(samples, killedAt, servingAt));
        report.Phase("after it served again", Timeline.Between(samples, servingAt, TimeSpan.MaxValue));
        report.Fact($"Killed at {Timeline.Seconds(killedAt)}, started at {Timeline.Seconds(RestartAt)}, answering /healthz at {Timeline.Seconds(servingAt)} ({(servingAt - killedAt).TotalMilliseconds:0} ms without a control plane).");
        report.Fact($"All {bed.Cluster.WorkerCount} workers were live with a heartbeat received by the new process {heardAllAfter.TotalMilliseconds:0} ms after it served.");
        report.Fact($"Uploads before the kill: {UploadLoop.Describe(uploaded, TimeSpan.Zero, killedAt)}; while down: {UploadLoop.Describe(uploaded, killedAt, servingAt)}; after: {UploadLoop.Describe(uploaded, servingAt, TimeSpan.MaxValue)}. Acknowledged uploads missing afterwards: {missing.Count}.");
        report.Fact($"Usage counted {usageOk} OK invocations of the {okAnswers} OK answers: {okAnswers - usageOk} lost with the killed process (at most one flush interval, {FaultBed.UsageFlushInterval.TotalSeconds:0} s, is documented).");
        foreach (var failure in LoadStats.Failures(samples, killedAt, "the kill")) report.Fact($"Not OK: {failure}.");
        return new ControlPlaneRestartResult(report, samples, uploaded, missing, killedAt, servingAt, heardAllAfter, okAnswers, usageOk);
    }
}
