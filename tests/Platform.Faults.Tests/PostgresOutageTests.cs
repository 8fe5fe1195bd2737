using Xunit.Abstractions;

namespace Platform.Faults.Tests;

public sealed class PostgresOutageTests(ITestOutputHelper output)
{
    [Fact]
    public async Task With_PostgreSQL_down_for_30_s_known_functions_keep_running_uploads_get_UNAVAILABLE_and_nothing_is_lost()
    {
        var result = await PostgresOutageScenario.RunAsync();
        output.WriteLine(result.Report.ToString());

        FaultAssert.NoneHung(result.Samples);
        var during = result.Samples.Between(result.StoppedAt, result.StartedAt).ToList();
        Assert.True(during.Count > 0);
        // Invocations of a function already invoked keep running; the rest of the answers name the
        // cause (calls released together when the database returns may be shed: OVERLOADED).
        FaultAssert.OnlyKinds(result.Samples, "OK", "UNAVAILABLE", "OVERLOADED");
        Assert.True(during.Count(s => s.Ok) >= during.Count * 0.95, $"only {during.Count(s => s.Ok)} of {during.Count} invocations succeeded during the outage");

        // Uploads fail fast with UNAVAILABLE while it is down; none acknowledged is lost.
        var uploadsDuring = result.Uploads.Where(u => u.SentAt > result.StoppedAt + TimeSpan.FromSeconds(1) && u.SentAt < result.StartedAt - TimeSpan.FromSeconds(2)).ToList();
        Assert.NotEmpty(uploadsDuring);
        Assert.All(uploadsDuring, u => Assert.True(u.Attempt is { Status: 503, Code: "UNAVAILABLE" }, u.ToString()));
        Assert.Empty(result.MissingUploads);
        Assert.Contains(result.Uploads, u => u.SentAt > result.StartedAt + TimeSpan.FromSeconds(2) && u.Attempt.Deployed is not null);

        // After the restart everything succeeds and usage counts every invocation, those of the outage too.
        var after = result.Samples.Between(result.StartedAt + TimeSpan.FromSeconds(5), TimeSpan.MaxValue).ToList();
        FaultAssert.OnlyKinds(after, "OK", "OVERLOADED");
        Assert.True(after.Count(s => s.Ok) >= after.Count * 0.95, $"only {after.Count(s => s.Ok)} of {after.Count} succeeded after the restart");
        Assert.True(result.UsageOk >= result.OkAnswers, $"usage counted {result.UsageOk} of {result.OkAnswers} OK invocations");
    }
}
