using Xunit.Abstractions;

namespace Platform.Faults.Tests;

public sealed class WorkerKillTests(ITestOutputHelper output)
{
    /// <summary>What the killed worker can have had in hand: its slots (2) and its queue (4 × 2).</summary>
    private const int MaxLostWithTheWorker = 10;

    [Fact]
    public async Task Killing_a_worker_under_load_fails_only_with_clear_codes_within_the_deadline_and_it_rejoins()
    {
        var result = await WorkerKillScenario.RunAsync();
        output.WriteLine(result.Report.ToString());

        Assert.Equal((int)(WorkerKillScenario.PerSecond * WorkerKillScenario.Duration.TotalSeconds), result.Samples.Count);
        // Every invocation succeeded (on another worker if need be) or failed with a clear code:
        // UNAVAILABLE when it was on the worker that died (never run a second time), OVERLOADED
        // when the workers left were momentarily full. None hung.
        FaultAssert.OnlyKinds(result.Samples, "OK", "UNAVAILABLE", "OVERLOADED");
        FaultAssert.NoneHung(result.Samples);
        FaultAssert.OnlyKinds(Timeline.DoneBefore(result.Samples, result.KilledAt), "OK", "OVERLOADED");
        var lost = result.Samples.Count(s => s.Code == "UNAVAILABLE");
        Assert.True(lost <= MaxLostWithTheWorker, $"{lost} invocations failed UNAVAILABLE; only those on the killed worker may");

        // While it is dead the others serve.
        var whileDead = result.Samples.Between(result.KilledAt, result.RestartedAt).ToList();
        Assert.True(whileDead.Count(s => s.Ok) >= whileDead.Count * 0.9, $"only {whileDead.Count(s => s.Ok)} of {whileDead.Count} succeeded while the worker was dead");
        Assert.DoesNotContain(result.Samples.Between(result.KilledAt + TimeSpan.FromSeconds(1), result.RestartedAt), s => s.Worker == result.Victim);

        // It rejoins and placement sends it work again: at worst after its breaker's break (5 s)
        // and a reconnect backoff (2 s) since it was last tried.
        Assert.True(result.ServedAgainAt is { } again && again - result.RestartedAt < TimeSpan.FromSeconds(15),
            $"{result.Victim} was not sent work within 15 s of its restart ({result.ServedAgainAt})");
        var after = result.Samples.Between(result.RestartedAt + result.RejoinedAfter, TimeSpan.MaxValue).ToList();
        Assert.True(after.Count(s => s.Ok) >= after.Count * 0.95, $"only {after.Count(s => s.Ok)} of {after.Count} succeeded after it rejoined");
    }
}
