using Xunit.Abstractions;

namespace Platform.Faults.Tests;

public sealed class SoakTests(ITestOutputHelper output)
{
    /// <summary>Growth allowed between the first and the second minute of the soak, per process.</summary>
    private const double AllowedGrowthMiB = 64;

    [Fact]
    public async Task Two_minutes_at_a_steady_rate_all_succeed_and_memory_stays_bounded()
    {
        var result = await SoakScenario.RunAsync();
        output.WriteLine(result.Report.ToString());

        Assert.Equal((int)(SoakScenario.PerSecond * SoakScenario.Duration.TotalSeconds), result.Samples.Count);
        Assert.All(result.Samples, s => Assert.True(s.Ok, s.ToString()));
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
