using Xunit.Abstractions;

namespace Platform.Faults.Tests;

public sealed class SoakTests(ITestOutputHelper output)
{
    /// <summary>Growth allowed between the first and the second minute of the soak, per process.</summary>
    private const double AllowedGrowthMiB = 64;

    [Fact]
    public async Task Two_minutes_at_a_steady_rate_succeed_and_memory_stays_bounded()
    {
        var result = await SoakScenario.RunAsync();
        output.WriteLine(result.Report.ToString());

        Assert.Equal((int)(SoakScenario.PerSecond * SoakScenario.Duration.TotalSeconds), result.Samples.Count);
        // A stall of the machine can bunch the load into a burst the workers shed (OVERLOADED, a
        // clear code); anything else, or more than 5 % of it (as in the other fault tests), is a failure.
        FaultAssert.OnlyKinds(result.Samples, "OK", "OVERLOADED");
        FaultAssert.AtMost(result.Samples, "OVERLOADED", 0.05);
        Assert.True(result.Samples.Count(s => s.Ok) >= result.Samples.Count * 0.95, $"only {result.Samples.Count(s => s.Ok)} of {result.Samples.Count} succeeded");
        Assert.Equal(4, result.BeforeMiB.Count); // the control plane and three workers
        foreach (var (process, before) in result.BeforeMiB)
        {
            var middle = result.MiddleMiB[process];
            var after = result.AfterMiB[process];
            Assert.True(after - middle <= AllowedGrowthMiB,
                $"{process} grew from {middle:0} MiB after one minute to {after:0} MiB after two (before: {before:0} MiB)");
        }
    }
}
