using System.Net;
using System.Text;
using Grpc.Core;

namespace Platform.Telemetry.Tests;

/// <summary>
/// The control plane's invocation instruments (and the worker's count of what it answered) for
/// every outcome a function can have and every refusal a tenant can provoke, on the shared
/// cluster; each test has its own tenant, so its label values are its own.
/// </summary>
[Collection(TelemetryCollection.Name)]
public sealed class InvocationMetricsTests(TelemetryEnvironment environment)
{
    private const string Invocations = "platform.invocations";
    private const string Duration = "platform.invocation.duration";
    private const string Fuel = "platform.invocation.fuel";
    private const string Rejections = "platform.rejections";
    private const string WorkerInvocations = "platform.worker.invocations";
    private const long SmallFuel = 1_000_000;

    /// <summary>Function name, module, config, and the outcome it must end with.</summary>
    private static readonly (string Function, string Wat, string? Config, string Outcome)[] Functions =
    [
        ("hello", Wat.Hello, null, "OK"),
        ("fuel", Wat.Spin, $$"""{"fuel": {{SmallFuel}}}""", "OUT_OF_FUEL"),
        ("slow", Wat.Spin, """{"fuel": 1000000000000, "timeoutMs": 200}""", "TIMEOUT"),
        ("bomb", Wat.MemoryBomb, """{"memoryMb": 2}""", "MEMORY_LIMIT"),
        ("trap", Wat.Unreachable, null, "TRAP"),
        ("exit", Wat.Exit3, null, "EXIT_NONZERO"),
        ("flood", Wat.Flood, null, "OUTPUT_LIMIT"),
    ];

    private static readonly HashSet<string> LimitOutcomes = ["out_of_fuel", "timeout", "memory_limit", "output_limit"];

    [Fact]
    public async Task Invocations_EveryOutcome_CountedWithTenantFunctionOutcomeDurationAndFuel()
    {
        var cluster = await environment.SharedClusterAsync();
        var (tenant, key) = await cluster.CreateTenantAsync(new { maxFuel = 1_000_000_000_000, maxOutputBytes = 4096 });
        await Task.WhenAll(Functions.Select(f => cluster.DeployAsync(key, f.Function, Wat.Salted(f.Wat), f.Config)));
        var before = cluster.Collector.CollectMetrics();

        foreach (var (function, _, _, expected) in Functions)
        {
            var (_, outcome, response) = await cluster.InvokeAsync(key, function);
            response.Dispose();
            Assert.Equal(expected, outcome);
        }

        var after = cluster.Collector.CollectMetrics();
        foreach (var (function, _, _, expected) in Functions)
        {
            var outcome = expected.ToLowerInvariant();
            var labels = new[] { ("tenant", tenant), ("function", function), ("outcome", outcome) };
            Assert.True(1 == after.Count(Invocations, labels), $"{Invocations}{{{function}, {outcome}}} = {after.Count(Invocations, labels)}");
            Assert.Equal(1, after.HistogramCount(Duration, labels));
            Assert.True(after.HistogramSum(Duration, labels) > 0);
            Assert.Equal(1, after.HistogramCount(Fuel, ("tenant", tenant), ("function", function)));
            Assert.Equal(LimitOutcomes.Contains(outcome) ? 1 : 0, after.Count(Rejections, ("tenant", tenant), ("reason", outcome)));
            // The worker that ran it counted it (the worker label is the only other label).
            Assert.Equal(1, after.Count(WorkerInvocations, ("outcome", outcome)) - before.Count(WorkerInvocations, ("outcome", outcome)));
        }

        // Exactly the outcomes above, and fuel as the sandbox reported it.
        Assert.Equal(Functions.Length, after.Count(Invocations, ("tenant", tenant)));
        Assert.Equal(LimitOutcomes.Count, after.Count(Rejections, ("tenant", tenant)));
        Assert.Equal(SmallFuel, (long)after.HistogramSum(Fuel, ("tenant", tenant), ("function", "fuel")));
        Assert.Equal(Functions.Length, after.Points(Fuel, ("tenant", tenant)).Count);
        Assert.Equal("s", after.Instrument(Duration).Unit);
        Assert.Equal("{fuel}", after.Instrument(Fuel).Unit);
    }

    [Fact]
    public async Task Invocations_OverGrpc_CountedLikeRest()
    {
        var cluster = await environment.SharedClusterAsync();
        var (tenant, key) = await cluster.CreateTenantAsync(new { maxFuel = 1_000_000_000_000 });
        await cluster.DeployAsync(key, "hello", Wat.Salted(Wat.Hello));
        await cluster.DeployAsync(key, "fuel", Wat.Salted(Wat.Spin), $$"""{"fuel": {{SmallFuel}}}""");

        var (ok, okError) = await cluster.GrpcInvokeAsync(key, "hello");
        Assert.Null(okError);
        Assert.Equal("hello", ok!.Output.ToStringUtf8());
        var (_, error) = await cluster.GrpcInvokeAsync(key, "fuel");
        Assert.Equal(StatusCode.ResourceExhausted, error!.StatusCode);

        var metrics = cluster.Collector.CollectMetrics();
        Assert.Equal(1, metrics.Count(Invocations, ("tenant", tenant), ("function", "hello"), ("outcome", "ok")));
        Assert.Equal(1, metrics.Count(Invocations, ("tenant", tenant), ("function", "fuel"), ("outcome", "out_of_fuel")));
        Assert.Equal(1, metrics.Count(Rejections, ("tenant", tenant), ("reason", "out_of_fuel")));
        Assert.Equal(2, metrics.HistogramCount(Duration, ("tenant", tenant)));
    }

    [Fact]
    public async Task Invocations_InputOverTenantLimit_PayloadTooLargeCountedNotRejection()
    {
        var cluster = await environment.SharedClusterAsync();
        var (tenant, key) = await cluster.CreateTenantAsync(new { maxInputBytes = 16 });
        await cluster.DeployAsync(key, "hello", Wat.Salted(Wat.Hello));

        var (status, outcome, response) = await cluster.InvokeAsync(key, "hello", Encoding.UTF8.GetBytes(new string('x', 100)));
        response.Dispose();
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        Assert.Equal("PAYLOAD_TOO_LARGE", outcome);

        var metrics = cluster.Collector.CollectMetrics();
        Assert.Equal(1, metrics.Count(Invocations, ("tenant", tenant), ("function", "hello"), ("outcome", "payload_too_large")));
        Assert.Equal(1, metrics.HistogramCount(Duration, ("tenant", tenant), ("outcome", "payload_too_large")));
        Assert.Equal(0, metrics.Count(Rejections, ("tenant", tenant)));
        Assert.Empty(metrics.Points(Fuel, ("tenant", tenant)));
    }

    [Fact]
    public async Task Invocations_UnknownFunction_NotCounted()
    {
        var cluster = await environment.SharedClusterAsync();
        var (tenant, key) = await cluster.CreateTenantAsync();

        var (status, _, response) = await cluster.InvokeAsync(key, "missing");
        response.Dispose();
        Assert.Equal(HttpStatusCode.NotFound, status);

        var metrics = cluster.Collector.CollectMetrics();
        Assert.Equal(0, metrics.Count(Invocations, ("tenant", tenant)));
        Assert.Empty(metrics.Points(Duration, ("tenant", tenant)));
    }

    [Fact]
    public async Task Rejections_TenantRateExhausted_RateLimited()
    {
        var cluster = await environment.SharedClusterAsync();
        var (tenant, key) = await cluster.CreateTenantAsync(new { invocationsPerSecond = 1, burst = 1 });
        await cluster.DeployAsync(key, "hello", Wat.Salted(Wat.Hello));

        var outcomes = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var (_, outcome, response) = await cluster.InvokeAsync(key, "hello");
            response.Dispose();
            outcomes.Add(outcome);
        }

        var limited = outcomes.Count(o => o == "RATE_LIMITED");
        Assert.True(limited >= 1, $"outcomes: {string.Join(", ", outcomes)}");
        var metrics = cluster.Collector.CollectMetrics();
        Assert.Equal(limited, metrics.Count(Invocations, ("tenant", tenant), ("function", "hello"), ("outcome", "rate_limited")));
        Assert.Equal(limited, metrics.Count(Rejections, ("tenant", tenant), ("reason", "rate_limited")));
        Assert.Equal(3 - limited, metrics.Count(Invocations, ("tenant", tenant), ("outcome", "ok")));
    }

    [Fact]
    public async Task Rejections_TenantAtMaxConcurrency_ConcurrencyLimited()
    {
        var cluster = await environment.SharedClusterAsync();
        var (tenant, key) = await cluster.CreateTenantAsync(new { maxConcurrency = 1, maxFuel = 1_000_000_000_000 });
        await cluster.DeployAsync(key, "slow", Wat.Salted(Wat.Spin), """{"fuel": 1000000000000, "timeoutMs": 1500}""");
        await cluster.DeployAsync(key, "hello", Wat.Salted(Wat.Hello));

        var slow = cluster.InvokeAsync(key, "slow");
        // The slow call holds the tenant's only slot until its timeout.
        string outcome;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        do
        {
            await Task.Delay(50);
            var (_, second, response) = await cluster.InvokeAsync(key, "hello");
            response.Dispose();
            outcome = second;
        }
        while (outcome != "CONCURRENCY_LIMITED" && !slow.IsCompleted && DateTime.UtcNow < deadline);
        Assert.Equal("CONCURRENCY_LIMITED", outcome);
        var (_, slowOutcome, slowResponse) = await slow;
        slowResponse.Dispose();
        Assert.Equal("TIMEOUT", slowOutcome);

        var metrics = cluster.Collector.CollectMetrics();
        var limited = metrics.Count(Invocations, ("tenant", tenant), ("function", "hello"), ("outcome", "concurrency_limited"));
        Assert.True(limited >= 1);
        Assert.Equal(limited, metrics.Count(Rejections, ("tenant", tenant), ("reason", "concurrency_limited")));
        Assert.Equal(1, metrics.Count(Rejections, ("tenant", tenant), ("reason", "timeout")));
    }
}
