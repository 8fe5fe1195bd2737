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
        TimeSpan stoppedAt = default, startedAt = default;
        var run = await LoadUnderFault.RunAsync(bed, PerSecond, Duration, UploadInterval, async clock =>
        {
            stoppedAt = await clock.At(StopAt);
            await bed.Cluster.Postgres.StopServerAsync();
            await clock.At(stoppedAt + Outage);
            await bed.Cluster.Postgres.StartServerAsync();
            startedAt = clock.Now;
        });

        var report = new FaultReport($"PostgreSQL stopped for {Outage.TotalSeconds:0} s under {PerSecond:0} invocations/s and an upload every {UploadInterval.TotalSeconds:0} s");
        run.ReportPhases(report, stoppedAt, startedAt, "answered before the outage", "in flight when it stopped", "sent while PostgreSQL was down", "after it started");
        report.Fact($"Stopped at {Timeline.Seconds(stoppedAt)} (pg_ctl stop -m immediate), started again at {Timeline.Seconds(startedAt)}.");
        report.Fact(run.DescribeUploads(stoppedAt, startedAt, "before", "during", "after"));
        report.Fact($"Usage counted {run.UsageOk} OK invocations of the {run.OkAnswers} OK answers (the counts of the outage were kept in memory and added after it).");
        foreach (var failure in LoadStats.Failures(run.Samples, stoppedAt, "the stop")) report.Fact($"Not OK: {failure}.");
        return new PostgresOutageResult(report, run.Samples, run.Uploads, run.MissingUploads, stoppedAt, startedAt, run.OkAnswers, run.UsageOk);
    }
}
