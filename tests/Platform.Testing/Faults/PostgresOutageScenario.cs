namespace Platform.Testing.Faults;

public sealed record PostgresOutageResult(
    FaultReport Report, IReadOnlyList<Sample> Samples, IReadOnlyList<Upload> Uploads, IReadOnlyList<Upload> MissingUploads,
    TimeSpan StoppedAt, TimeSpan StartedAt, long OkAnswers, long UsageOk);

/// <summary>
/// PostgreSQL stopped (immediate shutdown: every connection breaks, new ones are refused) for
/// 30 s under a steady load of invocations of a known function and an upload a second, then
/// started again: invocations keep running from the control plane's cache, uploads are refused
/// with UNAVAILABLE, and afterwards every acknowledged upload is stored and usage counts every
/// invocation.
/// </summary>
public static class PostgresOutageScenario
{
    public const double PerSecond = 50;
    public static readonly TimeSpan StopAt = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan Outage = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan Duration = TimeSpan.FromSeconds(50);
    public static readonly TimeSpan UploadInterval = TimeSpan.FromSeconds(1);

    public static async Task<PostgresOutageResult> RunAsync()
    {
        await using var bed = await FaultBed.StartAsync();
        var clock = new Timeline();
        var load = SteadyLoad.RunAsync(bed.Api, FaultBed.EchoFunction, PerSecond, Duration, FaultBed.ClientTimeout);
        var uploads = UploadLoop.RunAsync(bed.Api, clock, UploadInterval, Duration);
        var stoppedAt = await clock.At(StopAt);
        await bed.Cluster.Postgres.StopServerAsync();
        await clock.At(stoppedAt + Outage);
        await bed.Cluster.Postgres.StartServerAsync();
        var startedAt = clock.Now;
        var samples = await load;
        var uploaded = await uploads;
        var missing = await UploadLoop.MissingAsync(bed.Api, uploaded);

        var (okAnswers, usageOk) = await bed.UsageAfterFlushAsync(samples);

        var report = new FaultReport($"PostgreSQL stopped for {Outage.TotalSeconds:0} s under {PerSecond:0} invocations/s and an upload every {UploadInterval.TotalSeconds:0} s");
        report.Phase("answered before the outage", Timeline.DoneBefore(samples, stoppedAt));
        report.Phase("in flight when it stopped", Timeline.InFlightAt(samples, stoppedAt));
        report.Phase("sent while PostgreSQL was down", Timeline.Between(samples, stoppedAt, startedAt));
        report.Phase("after it started", Timeline.Between(samples, startedAt, TimeSpan.MaxValue));
        report.Fact($"Stopped at {Timeline.Seconds(stoppedAt)} (pg_ctl stop -m immediate), started again at {Timeline.Seconds(startedAt)}.");
        report.Fact($"Uploads before: {UploadLoop.Describe(uploaded, TimeSpan.Zero, stoppedAt)}; during: {UploadLoop.Describe(uploaded, stoppedAt, startedAt)}; after: {UploadLoop.Describe(uploaded, startedAt, TimeSpan.MaxValue)}. Acknowledged uploads missing afterwards: {missing.Count}.");
        report.Fact($"Usage counted {usageOk} OK invocations of the {okAnswers} OK answers (the counts of the outage were kept in memory and added after it).");
        foreach (var failure in LoadStats.Failures(samples, stoppedAt, "the stop")) report.Fact($"Not OK: {failure}.");
        return new PostgresOutageResult(report, samples, uploaded, missing, stoppedAt, startedAt, okAnswers, usageOk);
    }
}
