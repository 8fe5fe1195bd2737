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
        // Beyond its quotas: exactly its limits' codes. What was admitted ran, or, when a stall of
        // this 2-core machine bunched calls, was shed by a full worker (OVERLOADED, retry later).
        FaultAssert.OnlyKinds(sent, "OK", "RATE_LIMITED", "CONCURRENCY_LIMITED", "OVERLOADED");
        FaultAssert.AtMost(sent, "OVERLOADED", 0.05);
        Assert.Contains(result.Noisy, s => s.Code == "RATE_LIMITED");
        Assert.Contains(result.Noisy, s => s.Code == "CONCURRENCY_LIMITED");
        Assert.Contains(result.Noisy, s => s.Ok);
        var admitted = result.Noisy.Count(s => s.Ok);
        Assert.True(admitted <= result.NoisyAdmissionBound, $"{admitted} admitted, the quotas allow {result.NoisyAdmissionBound}");

        // The other tenant never meets the first one's limits; it succeeds, alone or not (the same
        // rare OVERLOADED from a machine stall is allowed in every phase, the baseline included).
        foreach (var phase in new[] { result.CalmBaseline, result.CalmDuringBurst, result.CalmAfter })
        {
            FaultAssert.OnlyKinds(phase, "OK", "OVERLOADED");
            FaultAssert.AtMost(phase, "OVERLOADED", 0.05);
        }
    }
}
