using Xunit.Abstractions;

namespace Platform.Faults.Tests;

public sealed class WorkerKillTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Killing_a_worker_under_load_fails_only_with_clear_codes_within_the_deadline_and_it_rejoins()
    {
        var result = await WorkerKillScenario.RunAsync();
        output.WriteLine(result.Report.ToString());

        Assert.Equal((int)(WorkerKillScenario.PerSecond * WorkerKillScenario.Duration.TotalSeconds), result.Samples.Count);
        // Every invocation succeeded (on another worker) or failed with UNAVAILABLE: it was running
        // on the worker that died, and the platform never runs it a second time.
        FaultAssert.OnlyKinds(result.Samples, "OK", "UNAVAILABLE");
        FaultAssert.NoneHung(result.Samples);
        Assert.All(Timeline.DoneBefore(result.Samples, result.KilledAt), s => Assert.True(s.Ok, s.ToString()));

        // While it is dead the others serve, and the failures are the few calls it had in flight.
        var whileDead = result.Samples.Between(result.KilledAt, result.RestartedAt).ToList();
        Assert.Contains(whileDead, s => s.Ok && s.Worker != result.Victim);
        Assert.True(whileDead.Count(s => s.Ok) >= whileDead.Count * 0.9, $"only {whileDead.Count(s => s.Ok)} of {whileDead.Count} succeeded while the worker was dead");
        Assert.DoesNotContain(result.Samples.Between(result.KilledAt + TimeSpan.FromSeconds(1), result.RestartedAt), s => s.Worker == result.Victim);

        // It rejoins and placement sends it work again: at worst after its breaker's break (5 s)
        // and a reconnect backoff (2 s) since it was last tried.
        Assert.True(result.ServedAgainAt is { } again && again - result.RestartedAt < TimeSpan.FromSeconds(15),
            $"{result.Victim} was not sent work within 15 s of its restart ({result.ServedAgainAt})");
        Assert.All(result.Samples.Between(result.RestartedAt + result.RejoinedAfter + TimeSpan.FromSeconds(1), TimeSpan.MaxValue), s => Assert.True(s.Ok, s.ToString()));
    }
}
