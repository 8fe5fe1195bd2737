namespace Platform.Testing.Faults;

/// <summary>
/// What a fault under steady load leaves behind: the invocations' samples, the uploads and those
/// acknowledged but missing afterwards, and the OK answers against the usage counted for them.
/// </summary>
public sealed record LoadUnderFault(IReadOnlyList<Sample> Samples, IReadOnlyList<Upload> Uploads, IReadOnlyList<Upload> MissingUploads, long OkAnswers, long UsageOk)
{
    /// <summary>
    /// Sends <paramref name="perSecond"/> invocations of the echo function and an upload every
    /// <paramref name="uploadInterval"/> for <paramref name="duration"/> while <paramref name="fault"/>
    /// (given the run's clock) breaks something and repairs it; then collects what was stored and counted.
    /// </summary>
    public static async Task<LoadUnderFault> RunAsync(FaultBed bed, double perSecond, TimeSpan duration, TimeSpan uploadInterval, Func<Timeline, Task> fault)
    {
        var clock = new Timeline();
        var load = SteadyLoad.RunAsync(bed.Api, FaultBed.EchoFunction, perSecond, duration, FaultBed.ClientTimeout);
        var uploads = UploadLoop.RunAsync(bed.Api, clock, uploadInterval, duration);
        await fault(clock);
        var samples = await load;
        var uploaded = await uploads;
        var missing = await UploadLoop.MissingAsync(bed.Api, uploaded);
        var (okAnswers, usageOk) = await bed.UsageAfterFlushAsync(samples);
        return new LoadUnderFault(samples, uploaded, missing, okAnswers, usageOk);
    }

    /// <summary>The load's four phases around a fault from <paramref name="brokenAt"/> until <paramref name="repairedAt"/>, named by the caller.</summary>
    public void ReportPhases(FaultReport report, TimeSpan brokenAt, TimeSpan repairedAt, string before, string inFlight, string during, string after)
    {
        ArgumentNullException.ThrowIfNull(report);
        report.Phase(before, Timeline.DoneBefore(Samples, brokenAt));
        report.Phase(inFlight, Timeline.InFlightAt(Samples, brokenAt));
        report.Phase(during, Timeline.Between(Samples, brokenAt, repairedAt));
        report.Phase(after, Timeline.Between(Samples, repairedAt, TimeSpan.MaxValue));
    }

    /// <summary>The uploads of the same three spans, and how many acknowledged ones are missing.</summary>
    public string DescribeUploads(TimeSpan brokenAt, TimeSpan repairedAt, string before, string during, string after) =>
        $"Uploads {before}: {UploadLoop.Describe(Uploads, TimeSpan.Zero, brokenAt)}; {during}: {UploadLoop.Describe(Uploads, brokenAt, repairedAt)}; {after}: {UploadLoop.Describe(Uploads, repairedAt, TimeSpan.MaxValue)}. Acknowledged uploads missing afterwards: {MissingUploads.Count}.";
}
