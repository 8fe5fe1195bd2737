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

        // No HTTP answer only while there was no control plane to give one: in flight when it died,
        // or sent before the new process served. Every other request got an answer that names
        // its cause (while the new process warms up, calls that piled up may be shed: OVERLOADED).
        static bool NoAnswer(Sample s) => s.Status == 0 && s.Failure is not ("client-timeout" or "not-sent" or "wrong-output");
        Assert.DoesNotContain(result.Samples, s => NoAnswer(s) && (s.SentAt + s.Latency < result.KilledAt || s.SentAt >= result.ServingAt));
        FaultAssert.OnlyKinds(result.Samples.Where(s => !NoAnswer(s)), "OK", "UNAVAILABLE", "OVERLOADED");
        FaultAssert.NoneHung(result.Samples);
        FaultAssert.OnlyKinds(Timeline.DoneBefore(result.Samples, result.KilledAt), "OK", "OVERLOADED");
        var after = result.Samples.Between(result.ServingAt, TimeSpan.MaxValue).ToList();
        Assert.True(after.Count(s => s.Ok) >= after.Count * 0.9, $"only {after.Count(s => s.Ok)} of {after.Count} succeeded after the restart");
        var last = result.Samples.Between(ControlPlaneRestartScenario.Duration - TimeSpan.FromSeconds(5), TimeSpan.MaxValue).ToList();
        Assert.True(last.Count(s => s.Ok) >= last.Count * 0.95, $"only {last.Count(s => s.Ok)} of {last.Count} succeeded in the last 5 s");
        Assert.True(result.WorkersHeardAfter < TimeSpan.FromSeconds(20), $"the workers' heartbeats reached the new control plane after {result.WorkersHeardAfter}");

        // Usage: a kill -9 loses at most what was counted since the last flush.
        var lost = result.OkAnswers - result.UsageOk;
        Assert.True(lost <= ControlPlaneRestartScenario.PerSecond * (FaultBed.UsageFlushInterval.TotalSeconds + 2),
            $"usage lost {lost} invocations; a kill -9 should lose at most one flush interval");
    }
}
