using System.Collections.Concurrent;

namespace Platform.Testing.Faults;

public sealed record WorkerSaturationResult(FaultReport Report, IReadOnlyList<Sample> Burst, IReadOnlyList<Sample> EchoAfter, IReadOnlyList<Sample> HoldAfter);

/// <summary>
/// Every worker runs at most 2 invocations at once; a function that holds its sandbox for 250 ms
/// (a loop stopped by its timeout) is called by 24 callers at once for 5 s, 4 times what the three
/// workers can run: the excess must be refused at once with OVERLOADED (after the control plane
/// tried the other workers), nothing queues, and once the burst ends every call runs again.
/// </summary>
public static class WorkerSaturationScenario
{
    public const string HoldFunction = "hold";
    public const int HoldMs = 250;
    public const int SlotsPerWorker = 2;
    public const string QueueTimeout = "00:00:00.020";
    public const int Callers = 24;
    public static readonly TimeSpan BurstDuration = TimeSpan.FromSeconds(5);

    public static async Task<WorkerSaturationResult> RunAsync()
    {
        // A refused call waits up to QueueTimeout on each worker tried (default 250 ms, so that a
        // burst of short calls queues): pinned shorter than the hold here, so the test shows that
        // a saturated worker refuses after its queue wait, never after a slot frees.
        await using var bed = await FaultBed.StartAsync(workerArguments: [$"--Platform:MaxConcurrentInvocations={SlotsPerWorker}", $"--Platform:QueueTimeout={QueueTimeout}"]);
        await bed.Api.DeployAsync(HoldFunction, FaultModules.Spin, new { timeoutMs = HoldMs });
        for (var i = 0; i < 3; i++) await SteadyLoad.InvokeAsync(bed.Api, HoldFunction, i, TimeSpan.Zero, FaultBed.ClientTimeout, checkEcho: false);

        var clock = new Timeline();
        var burst = new ConcurrentBag<Sample>();
        await Task.WhenAll(Enumerable.Range(0, Callers).Select(async caller =>
        {
            for (var n = 0; clock.Now < BurstDuration; n++)
                burst.Add(await SteadyLoad.InvokeAsync(bed.Api, HoldFunction, (caller * 100_000) + n, clock.Now, FaultBed.ClientTimeout, checkEcho: false));
        }));

        var after = clock.Now;
        var echo = new List<Sample>();
        var hold = new List<Sample>();
        for (var i = 0; i < 20; i++) echo.Add(await SteadyLoad.InvokeAsync(bed.Api, FaultBed.EchoFunction, i, clock.Now, FaultBed.ClientTimeout));
        for (var i = 0; i < 10; i++) hold.Add(await SteadyLoad.InvokeAsync(bed.Api, HoldFunction, i, clock.Now, FaultBed.ClientTimeout, checkEcho: false));

        var report = new FaultReport($"saturated workers: {Callers} callers at once for {BurstDuration.TotalSeconds:0} s of a function that holds a sandbox {HoldMs} ms; 3 workers × {SlotsPerWorker} slots");
        report.Phase("burst, all answers", burst);
        report.Phase("burst, ran (TIMEOUT after 250 ms)", burst.Where(s => s.Code == "TIMEOUT"));
        report.Phase("burst, refused OVERLOADED", burst.Where(s => s.Code == "OVERLOADED"));
        report.Phase("after: echo, one at a time", echo);
        report.Phase("after: hold, one at a time", hold);
        var ran = burst.Count(s => s.Code == "TIMEOUT");
        report.Fact($"{ran} calls ran in {Timeline.Seconds(after)}, {ran * HoldMs / after.TotalMilliseconds:0.0} sandboxes busy on average of the {3 * SlotsPerWorker} slots; the rest were refused without waiting for a slot.");
        return new WorkerSaturationResult(report, [.. burst], echo, hold);
    }
}
