using Xunit.Abstractions;

namespace Platform.Faults.Tests;

public sealed class ControlPlaneRestartTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Restarting_the_control_plane_under_load_loses_no_acknowledged_upload_and_invocations_resume()
    {
        var result = await ControlPlaneRestartScenario.RunAsync();
        output.WriteLine(result.Report.ToString());

        Assert.Empty(result.MissingUploads);
        Assert.Contains(result.Uploads, u => u.SentAt < result.KilledAt && u.Attempt.Deployed is not null);
        Assert.Contains(result.Uploads, u => u.SentAt > result.ServingAt && u.Attempt.Deployed is not null);

        // No control plane: the connection is refused, or the answer was cut when it died. Nothing else.
        FaultAssert.OnlyKinds(result.Samples, "OK", "ConnectionError", "ResponseEnded", "UNAVAILABLE");
        FaultAssert.NoneHung(result.Samples);
        Assert.All(result.Samples.Between(TimeSpan.Zero, result.KilledAt), s => Assert.True(s.Ok, s.ToString()));
        var after = result.Samples.Between(result.ServingAt, TimeSpan.MaxValue).ToList();
        Assert.NotEmpty(after);
        Assert.All(after, s => Assert.True(s.Ok, s.ToString()));

        // Usage: a kill -9 loses at most what was counted since the last flush.
        var lost = result.OkAnswers - result.UsageOk;
        Assert.True(lost <= ControlPlaneRestartScenario.PerSecond * (ControlPlaneRestartScenario.FlushInterval.TotalSeconds + 2),
            $"usage lost {lost} invocations; a kill -9 should lose at most one flush interval");
    }
}
