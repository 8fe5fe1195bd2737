using System.Net;

namespace Platform.Telemetry.Tests;

/// <summary>
/// Refusals of the platform itself, each on a cluster of its own: no live worker, a worker that
/// cannot take the module, a worker at its concurrency limit.
/// </summary>
[Collection(TelemetryCollection.Name)]
public sealed class RefusalMetricsTests(TelemetryEnvironment environment)
{
    private const string Invocations = "platform.invocations";
    private const string Rejections = "platform.rejections";
    private const string WorkerInvocations = "platform.worker.invocations";
    private const string Pushes = "platform.pushes";
    private const string InFlight = "platform.worker.invocations.in_flight";
    private const string LiveWorkers = "platform.workers.live";

    [Fact]
    public async Task NoLiveWorker_Unavailable_CountedAsRejection()
    {
        await using var cluster = await environment.DedicatedClusterAsync(workers: 0);
        var (tenant, key) = await cluster.CreateTenantAsync();
        await cluster.DeployAsync(key, "hello", Wat.Salted(Wat.Hello));

        var (status, outcome, response) = await cluster.InvokeAsync(key, "hello");
        response.Dispose();
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("UNAVAILABLE", outcome);

        var metrics = cluster.Collector.CollectMetrics();
        Assert.Equal(0, Assert.Single(metrics.Points(LiveWorkers)).GetGaugeLastValueLong());
        Assert.Equal(1, metrics.Count(Invocations, ("tenant", tenant), ("function", "hello"), ("outcome", "unavailable")));
        Assert.Equal(1, metrics.Count(Rejections, ("tenant", tenant), ("reason", "unavailable")));
        Assert.Equal(0, metrics.Count(Pushes));
    }

    [Fact]
    public async Task SmallWorker_PushFailedUnavailableOverloaded_FunctionLabelOff()
    {
        await using var cluster = await environment.DedicatedClusterAsync(
            workers: 0,
            new Dictionary<string, string?> { ["Platform:Telemetry:IncludeFunctionLabel"] = "false" });
        var worker = await cluster.StartWorkerAsync(
            "small-" + Guid.NewGuid().ToString("N")[..6],
            "--Platform:MaxConcurrentInvocations=1",
            "--Platform:MaxModuleBytes=4096");
        var (tenant, key) = await cluster.CreateTenantAsync(new { maxFuel = 1_000_000_000_000 });

        // A module over the worker's Platform:MaxModuleBytes: the push fails, so does the worker's own fetch.
        await cluster.DeployAsync(key, "big", Wat.Salted(Wat.Padded(Wat.Hello, 6000)));
        await Eventually.WaitForAsync(cluster.Collector.CollectMetrics, m => m.Count(Pushes, ("result", "failed")) == 1, "the failed push");
        var (status, outcome, response) = await cluster.InvokeAsync(key, "big");
        response.Dispose();
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("UNAVAILABLE", outcome);

        // A slow function fills the worker's one slot; the next call is refused.
        await cluster.DeployAsync(key, "slow", Wat.Salted(Wat.Spin), """{"fuel": 1000000000000, "timeoutMs": 2000}""");
        await Eventually.WaitForAsync(cluster.Collector.CollectMetrics, m => m.Count(Pushes, ("result", "ok")) == 1, "the slow function's push");
        var slow = cluster.InvokeAsync(key, "slow");
        await Eventually.WaitForAsync(
            cluster.Collector.CollectMetrics,
            m => m.Points(InFlight, ("worker", worker.Id)).Any(p => p.GetGaugeLastValueLong() == 1),
            "the slow invocation to be in flight");
        var (refusedStatus, refused, refusedResponse) = await cluster.InvokeAsync(key, "slow");
        refusedResponse.Dispose();
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refusedStatus);
        Assert.Equal("OVERLOADED", refused);
        var (_, slowOutcome, slowResponse) = await slow;
        slowResponse.Dispose();
        Assert.Equal("TIMEOUT", slowOutcome);

        var metrics = cluster.Collector.CollectMetrics();
        Assert.Equal(0, Assert.Single(metrics.Points(InFlight, ("worker", worker.Id))).GetGaugeLastValueLong());
        Assert.Equal(1, Assert.Single(metrics.Points(LiveWorkers)).GetGaugeLastValueLong());
        foreach (var (outcomeLabel, count) in new[] { ("unavailable", 1), ("overloaded", 1), ("timeout", 1) })
        {
            Assert.Equal(count, metrics.Count(Invocations, ("tenant", tenant), ("function", ""), ("outcome", outcomeLabel)));
            Assert.Equal(count, metrics.Count(Rejections, ("tenant", tenant), ("reason", outcomeLabel)));
            Assert.Equal(count, metrics.Count(WorkerInvocations, ("worker", worker.Id), ("outcome", outcomeLabel)));
        }

        // The function label is recorded empty: the series do not grow with functions.
        Assert.All(metrics.Points(Invocations, ("tenant", tenant)), point => Assert.Equal("", Metrics.Tags(point)["function"]));
        Assert.All(metrics.Points("platform.invocation.fuel", ("tenant", tenant)), point => Assert.Equal("", Metrics.Tags(point)["function"]));
    }
}
