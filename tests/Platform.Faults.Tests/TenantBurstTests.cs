using Xunit.Abstractions;

namespace Platform.Faults.Tests;

public sealed class TenantBurstTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_tenant_beyond_its_limits_gets_exactly_those_codes_while_another_tenant_succeeds()
    {
        var result = await TenantBurstScenario.RunAsync();
        output.WriteLine(result.Report.ToString());

        // What the load generator did not send (its own bound on requests in flight) never reached the platform.
        var sent = result.Noisy.Where(s => s.Failure != "not-sent").ToList();
        Assert.True(sent.Count >= result.Noisy.Count / 2, $"only {sent.Count} of {result.Noisy.Count} requests were sent");
        FaultAssert.OnlyKinds(sent, "OK", "RATE_LIMITED", "CONCURRENCY_LIMITED");
        Assert.Contains(result.Noisy, s => s.Code == "RATE_LIMITED");
        Assert.Contains(result.Noisy, s => s.Code == "CONCURRENCY_LIMITED");
        Assert.Contains(result.Noisy, s => s.Ok);
        var admitted = result.Noisy.Count(s => s.Ok);
        Assert.True(admitted <= result.NoisyAdmissionBound, $"{admitted} admitted, the quotas allow {result.NoisyAdmissionBound}");

        Assert.All(result.CalmBaseline, s => Assert.True(s.Ok, s.ToString()));
        Assert.All(result.CalmDuringBurst, s => Assert.True(s.Ok, s.ToString()));
        Assert.All(result.CalmAfter, s => Assert.True(s.Ok, s.ToString()));
    }
}
