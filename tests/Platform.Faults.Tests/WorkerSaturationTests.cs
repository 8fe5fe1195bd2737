using Xunit.Abstractions;

namespace Platform.Faults.Tests;

public sealed class WorkerSaturationTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Saturated_workers_refuse_the_excess_at_once_with_OVERLOADED_and_recover()
    {
        var result = await WorkerSaturationScenario.RunAsync();
        output.WriteLine(result.Report.ToString());

        // Every call either ran (and hit its 250 ms timeout) or was refused; nothing else.
        FaultAssert.OnlyKinds(result.Burst, "TIMEOUT", "OVERLOADED");
        var refused = result.Burst.Where(s => s.Code == "OVERLOADED").ToList();
        Assert.NotEmpty(refused);
        Assert.Contains(result.Burst, s => s.Code == "TIMEOUT");
        // Refused, not queued: the median refusal came back before one sandbox slot could free up.
        var median = refused.Select(s => s.Latency).Order().ElementAt(refused.Count / 2);
        Assert.True(median < TimeSpan.FromMilliseconds(WorkerSaturationScenario.HoldMs), $"median OVERLOADED answer took {median.TotalMilliseconds} ms");

        Assert.All(result.EchoAfter, s => Assert.True(s.Ok, s.ToString()));
        Assert.All(result.HoldAfter, s => Assert.Equal("TIMEOUT", s.Code));
    }
}
