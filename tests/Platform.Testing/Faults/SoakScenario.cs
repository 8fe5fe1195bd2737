using System.Collections.Concurrent;

namespace Platform.Testing.Faults;

public sealed record SoakResult(
    FaultReport Report, IReadOnlyList<Sample> Samples,
    IReadOnlyDictionary<string, double> BeforeMiB, IReadOnlyDictionary<string, double> MiddleMiB, IReadOnlyDictionary<string, double> AfterMiB, IReadOnlyDictionary<string, double> PeakMiB);

/// <summary>
/// Two minutes at a steady rate after a 15 s warm-up, with the resident memory of the control
/// plane and every worker read before, every 10 s, and after.
/// </summary>
public static class SoakScenario
{
    public const double PerSecond = 50;
    public static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(15);
    public static readonly TimeSpan Duration = TimeSpan.FromMinutes(2);
    public static readonly TimeSpan SampleEvery = TimeSpan.FromSeconds(10);

    public static async Task<SoakResult> RunAsync()
    {
        await using var bed = await FaultBed.StartAsync();
        await SteadyLoad.RunAsync(bed.Api, FaultBed.EchoFunction, PerSecond, WarmUp, FaultBed.ClientTimeout);
        var before = bed.ResidentMiB();

        var clock = new Timeline();
        var readings = new ConcurrentQueue<(TimeSpan At, IReadOnlyDictionary<string, double> MiB)>();
        using var stop = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            for (var next = SampleEvery; ; next += SampleEvery)
            {
                try
                {
                    await Task.Delay(next - clock.Now is { Ticks: > 0 } wait ? wait : TimeSpan.Zero, stop.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                readings.Enqueue((clock.Now, bed.ResidentMiB()));
            }
        });
        var samples = await SteadyLoad.RunAsync(bed.Api, FaultBed.EchoFunction, PerSecond, Duration, FaultBed.ClientTimeout);
        await stop.CancelAsync();
        await sampler;
        var after = bed.ResidentMiB();
        var middle = readings.Where(r => r.At <= Duration / 2).LastOrDefault().MiB ?? before;
        var peak = before.Keys.ToDictionary(k => k, k => readings.Select(r => r.MiB.GetValueOrDefault(k)).Append(after.GetValueOrDefault(k)).Max());

        var report = new FaultReport($"soak: {PerSecond:0} invocations/s for {Duration.TotalMinutes:0} minutes (after {WarmUp.TotalSeconds:0} s of warm-up)");
        report.Phase("whole run", samples);
        report.Phase("first minute", Timeline.Between(samples, TimeSpan.Zero, Duration / 2));
        report.Phase("second minute", Timeline.Between(samples, Duration / 2, TimeSpan.MaxValue));
        foreach (var process in before.Keys)
            report.Fact($"{process}: RSS {before[process]:0} MiB before, {middle.GetValueOrDefault(process):0} MiB after one minute, {after.GetValueOrDefault(process):0} MiB after two (peak {peak[process]:0} MiB).");
        foreach (var failure in LoadStats.Failures(samples, TimeSpan.Zero, "the start")) report.Fact($"Not OK: {failure}.");
        return new SoakResult(report, samples, before, middle, after, peak);
    }
}
