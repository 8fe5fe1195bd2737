using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using Platform.ControlPlane.Database;
using Platform.ControlPlane.Telemetry;
using Platform.ControlPlane.Usage;
using Polly;
using Outcome = Platform.Runtime.Outcome;

namespace Platform.ControlPlane.Tests;

/// <summary>Usage accounting: in-memory aggregation, flushes to PostgreSQL, GET /v1/usage and the admin route.</summary>
[Collection(PostgresCollection.Name)]
public sealed class UsageTests(PostgresFixture postgres)
{
    /// <summary>proc_exit(3) after a little work: EXIT_NONZERO.</summary>
    private const string Exit3 = """
        (module
          (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
          (memory (export "memory") 1)
          (func (export "_start") (call $proc_exit (i32.const 3))))
        """;

    /// <summary>Spins until its fuel runs out: OUT_OF_FUEL.</summary>
    private const string Spin = """(module (memory (export "memory") 1) (func (export "_start") (loop $l (br $l))))""";

    private static readonly Dictionary<string, string?> FastFlush = new() { ["Platform:Usage:FlushInterval"] = "00:00:00.200" };

    [Fact]
    public async Task Usage_AfterMixedOutcomes_ShowsExactCountsOutcomesAndFuel_PerTenant()
    {
        await using var database = await postgres.CreateDatabaseAsync().Within();
        await using var cluster = await InvokeCluster.StartAsync(database.ConnectionString, FastFlush);
        var (nameA, keyA) = await cluster.CreateTenantAsync();
        var (nameB, keyB) = await cluster.CreateTenantAsync();
        await cluster.DeployAsync(keyA, "hello", Modules.Hello);
        await cluster.DeployAsync(keyA, "spin", Spin, """{"fuel":200000,"timeoutMs":5000}""");
        await cluster.DeployAsync(keyA, "exit", Exit3);
        await cluster.DeployAsync(keyB, "hello", Modules.Hello);

        var plan = new[] { "hello", "spin", "exit", "hello", "spin", "hello", "exit" };
        var fuel = new Dictionary<string, long>();
        var outcomes = new Dictionary<string, string>();
        foreach (var function in plan)
        {
            var invoked = await cluster.InvokeAsync(keyA, function);
            Assert.True(invoked.Fuel is not null, $"{function}: {invoked.Status} {invoked.Body}");
            fuel[function] = fuel.GetValueOrDefault(function) + invoked.Fuel!.Value;
            outcomes[function] = invoked.Code!;
        }

        Assert.Equal("OK", outcomes["hello"]);
        Assert.Equal("OUT_OF_FUEL", outcomes["spin"]);
        Assert.Equal("EXIT_NONZERO", outcomes["exit"]);
        var neighbour = await cluster.InvokeAsync(keyB, "hello");
        Assert.Equal(HttpStatusCode.OK, neighbour.Status);

        var usageA = await WaitForInvocationsAsync(cluster.ControlPlane, keyA, "/v1/usage", 7);
        Assert.Equal(nameA, usageA["tenant"]!.GetValue<string>());
        var totals = usageA["totals"]!;
        Assert.Equal(7, totals["invocations"]!.GetValue<long>());
        Assert.Equal(4, totals["failures"]!.GetValue<long>());
        Assert.Equal(fuel.Values.Sum(), totals["fuelConsumed"]!.GetValue<long>());
        Assert.True(fuel["spin"] > 0);
        Assert.True(totals["durationMs"]!.GetValue<double>() > 0);
        Assert.Equal(
            new Dictionary<string, long> { ["EXIT_NONZERO"] = 2, ["OK"] = 3, ["OUT_OF_FUEL"] = 2 },
            Outcomes(totals));
        var functions = usageA["functions"]!.AsArray();
        Assert.Equal(["exit", "hello", "spin"], functions.Select(f => f!["name"]!.GetValue<string>()));
        var byName = functions.ToDictionary(f => f!["name"]!.GetValue<string>(), f => f!);
        Assert.Equal((3L, 0L, fuel["hello"]), Counts(byName["hello"]));
        Assert.Equal((2L, 2L, fuel["spin"]), Counts(byName["spin"]));
        Assert.Equal((2L, 2L, fuel["exit"]), Counts(byName["exit"]));
        Assert.Equal(new Dictionary<string, long> { ["OUT_OF_FUEL"] = 2 }, Outcomes(byName["spin"]));
        Assert.Equal(new Dictionary<string, long> { ["EXIT_NONZERO"] = 2 }, Outcomes(byName["exit"]));

        // Tenant B sees only its own invocation.
        var usageB = await WaitForInvocationsAsync(cluster.ControlPlane, keyB, "/v1/usage", 1);
        Assert.Equal(nameB, usageB["tenant"]!.GetValue<string>());
        Assert.Equal((1L, 0L, neighbour.Fuel!.Value), Counts(usageB["totals"]!));
        Assert.Equal(["hello"], usageB["functions"]!.AsArray().Select(f => f!["name"]!.GetValue<string>()));

        // The admin route answers the same document; a tenant key on it is 403; an unknown tenant 404.
        using (var response = await cluster.Admin.GetAsync($"/v1/tenants/{nameA}/usage").Within())
        {
            var admin = JsonNode.Parse(await response.Content.ReadAsStringAsync().Within())!;
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(totals.ToJsonString(), admin["totals"]!.ToJsonString());
            Assert.Equal(functions.ToJsonString(), admin["functions"]!.ToJsonString());
        }

        using (var tenantClient = cluster.ControlPlane.CreateClient(keyA))
        using (var response = await tenantClient.GetAsync($"/v1/tenants/{nameA}/usage").Within())
        {
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        }

        using (var response = await cluster.Admin.GetAsync("/v1/tenants/no-such-tenant/usage").Within())
        {
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal("NOT_FOUND", JsonNode.Parse(await response.Content.ReadAsStringAsync().Within())!["code"]!.GetValue<string>());
        }

        // The admin key owns no usage of its own.
        using (var response = await cluster.Admin.GetAsync("/v1/usage").Within())
        {
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        }

        // Flushes keep happening: the lag gauge stays around the flush interval.
        var lag = ObserveFlushLag(cluster.ControlPlane);
        Assert.True(lag is >= 0 and < 5, $"platform.usage.flush.lag = {lag}");
        using var scraper = cluster.ControlPlane.CreateMetricsClient();
        using var scrape = await scraper.GetAsync("/metrics").Within();
        var metrics = await scrape.Content.ReadAsStringAsync().Within();
        Assert.Equal(HttpStatusCode.OK, scrape.StatusCode);
        Assert.Matches("""(?m)^platform_usage_flush_lag_seconds(\{[^}]*\})? [0-9.eE+-]+$""", metrics);
    }

    [Fact]
    public async Task Usage_CountedBeforeStop_IsFlushedOnStop_AndSurvivesRestart()
    {
        await using var database = await postgres.CreateDatabaseAsync().Within();
        string key;
        long fuel = 0;
        await using (var cluster = await InvokeCluster.StartAsync(database.ConnectionString, new Dictionary<string, string?> { ["Platform:Usage:FlushInterval"] = "01:00:00" }))
        {
            (_, key) = await cluster.CreateTenantAsync();
            await cluster.DeployAsync(key, "hello", Modules.Hello);
            for (var i = 0; i < 3; i++)
            {
                var invoked = await cluster.InvokeAsync(key, "hello");
                Assert.Equal(HttpStatusCode.OK, invoked.Status);
                fuel += invoked.Fuel!.Value;
            }

            // Nothing is flushed before the interval: the usage is still in memory.
            Assert.Equal(0, (await GetUsageAsync(cluster.ControlPlane, key, "/v1/usage"))["totals"]!["invocations"]!.GetValue<long>());
        }

        // Stopping flushed it; a new control plane on the same database reads it back.
        await using var restarted = await PlatformTestHost.StartAsync(database.ConnectionString, new Dictionary<string, string?> { ["role"] = "control-plane" }).Within(TimeSpan.FromSeconds(60));
        var usage = await GetUsageAsync(restarted, key, "/v1/usage");
        Assert.Equal((3L, 0L, fuel), Counts(usage["totals"]!));
        Assert.Equal(new Dictionary<string, long> { ["OK"] = 3 }, Outcomes(usage["totals"]!));
    }

    [Fact]
    public async Task Flush_WhenDatabaseFails_KeepsCountsAndAddsThemNextTime()
    {
        await using var database = await postgres.CreateDatabaseAsync().Within();
        await using var host = await PlatformTestHost.StartAsync(database.ConnectionString).Within(TimeSpan.FromSeconds(60));
        using var admin = host.CreateClient(host.AdminKey);
        var name = ApiCalls.UniqueName("tenant");
        JsonNode created;
        using (var response = await admin.PostAsync("/v1/tenants", new StringContent($$"""{"name":"{{name}}"}""", System.Text.Encoding.UTF8, "application/json")).Within())
        {
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            created = JsonNode.Parse(await response.Content.ReadAsStringAsync().Within())!;
        }

        var tenantId = created["id"]!.GetValue<Guid>();
        var key = created["apiKey"]!.GetValue<string>();
        var options = Options.Create(new UsageOptions());
        var aggregator = new UsageAggregator(options, TimeProvider.System);
        await using var unreachable = NpgsqlDataSource.Create("Host=127.0.0.1;Port=1;Database=none;Username=none;Password=none;Timeout=2");
        var broken = new UsageFlusher(aggregator, new UsageStore(new Db(unreachable, ResiliencePipeline.Empty), options), options, TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<UsageFlusher>.Instance);
        var working = new UsageFlusher(aggregator, host.Services.GetRequiredService<UsageStore>(), options, TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<UsageFlusher>.Instance);

        aggregator.Record(tenantId, "f", Outcome.Ok, 100, 1000);
        aggregator.Record(tenantId, "f", Outcome.Trap, 50, 500);
        Assert.False(await broken.FlushAsync(CancellationToken.None).Within());
        Assert.Equal(1, aggregator.PendingKeys);
        aggregator.Record(tenantId, "f", Outcome.Ok, 25, 250);
        Assert.True(await working.FlushAsync(CancellationToken.None).Within());
        Assert.Equal(0, aggregator.PendingKeys);
        // A second flush in the same minute adds to the row.
        aggregator.Record(tenantId, "f", Outcome.Trap, 5, 50);
        Assert.True(await working.FlushAsync(CancellationToken.None).Within());

        var usage = await GetUsageAsync(host, key, "/v1/usage");
        Assert.Equal((4L, 2L, 180L), Counts(usage["totals"]!));
        Assert.Equal(1.8, usage["totals"]!["durationMs"]!.GetValue<double>(), 6);
        Assert.Equal(new Dictionary<string, long> { ["OK"] = 2, ["TRAP"] = 2 }, Outcomes(usage["totals"]!));
        broken.Dispose();
        working.Dispose();
    }

    [Theory]
    [InlineData("from=yesterday", "from")]
    [InlineData("from=", "from")]
    [InlineData("to=2025-13-01T00:00:00Z", "to")]
    [InlineData("from=2025-01-02T00:00:00Z&to=2025-01-01T00:00:00Z", "to")]
    [InlineData("from=2025-01-01T00:00:00Z&to=2025-01-01T00:00:00Z", "to")]
    [InlineData("from=2025-01-01T00:00:00Z&to=2025-02-01T00:00:01Z", "from")]
    [InlineData("from=2025-01-01T00:00:00Z&from=2025-01-02T00:00:00Z", "from")]
    public async Task Usage_BadRange_IsInvalidArgumentNamingTheField(string query, string field)
    {
        await using var database = await postgres.CreateDatabaseAsync().Within();
        await using var host = await PlatformTestHost.StartAsync(database.ConnectionString).Within(TimeSpan.FromSeconds(60));
        using var admin = host.CreateClient(host.AdminKey);
        var name = ApiCalls.UniqueName("tenant");
        string key;
        using (var response = await admin.PostAsync("/v1/tenants", new StringContent($$"""{"name":"{{name}}"}""", System.Text.Encoding.UTF8, "application/json")).Within())
            key = JsonNode.Parse(await response.Content.ReadAsStringAsync().Within())!["apiKey"]!.GetValue<string>();
        using var tenant = host.CreateClient(key);

        foreach (var (client, path) in new[] { (tenant, "/v1/usage"), (admin, $"/v1/tenants/{name}/usage") })
        {
            using var response = await client.GetAsync($"{path}?{query}").Within();
            var body = await response.Content.ReadAsStringAsync().Within();
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{path}?{query}: {(int)response.StatusCode} {body}");
            var problem = JsonNode.Parse(body)!;
            Assert.Equal("INVALID_ARGUMENT", problem["code"]!.GetValue<string>());
            Assert.Equal(field, problem["field"]!.GetValue<string>());
        }

        // A valid range with nothing in it: zero totals, no functions, the range echoed.
        var empty = await GetUsageAsync(host, key, "/v1/usage?from=2025-01-01T00:00:00Z&to=2025-01-31T00:00:00%2B01:00");
        Assert.Equal((0L, 0L, 0L), Counts(empty["totals"]!));
        Assert.Empty(empty["functions"]!.AsArray());
        Assert.Equal(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero), empty["from"]!.GetValue<DateTimeOffset>());
        Assert.Equal(new DateTimeOffset(2025, 1, 30, 23, 0, 0, TimeSpan.Zero), empty["to"]!.GetValue<DateTimeOffset>());
    }

    [Fact]
    public void Aggregator_BucketsPerMinute_CapsPendingKeys_AndRestoresFailedFlushes()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2025, 1, 1, 12, 0, 30, TimeSpan.Zero));
        var aggregator = new UsageAggregator(Options.Create(new UsageOptions { MaxPendingKeys = 2 }), clock);
        var tenant = Guid.NewGuid();

        aggregator.Record(tenant, "a", Outcome.Ok, 10, 100);
        aggregator.Record(tenant, "a", Outcome.Timeout, 20, 200);
        clock.Advance(TimeSpan.FromSeconds(40));
        aggregator.Record(tenant, "a", Outcome.Ok, 1, 1);
        aggregator.Record(tenant, "b", Outcome.Ok, 1, 1);
        Assert.Equal(2, aggregator.PendingKeys);
        Assert.Equal(1, aggregator.Dropped);

        var drained = aggregator.Drain();
        var first = drained[new UsageKey(tenant, "a", new DateTime(2025, 1, 1, 12, 0, 0, DateTimeKind.Utc))];
        Assert.Equal((2L, 1L, 30L, 300L), (first.Invocations, first.Failures, first.Fuel, first.DurationUs));
        Assert.Equal(1, first.Outcomes["TIMEOUT"]);
        Assert.True(drained.ContainsKey(new UsageKey(tenant, "a", new DateTime(2025, 1, 1, 12, 1, 0, DateTimeKind.Utc))));

        // Meanwhile a drained bucket and a new one are counted; the failed flush gives back what fits
        // (merged into the bucket counted again), the other drained bucket is over the cap and dropped.
        aggregator.Record(tenant, "a", Outcome.Ok, 5, 5);
        aggregator.Record(tenant, "b", Outcome.Ok, 7, 7);
        aggregator.Restore(drained);
        Assert.Equal(2, aggregator.PendingKeys);
        Assert.Equal(1 + 2, aggregator.Dropped);
        var again = aggregator.Drain();
        var merged = again[new UsageKey(tenant, "a", new DateTime(2025, 1, 1, 12, 1, 0, DateTimeKind.Utc))];
        Assert.Equal((2L, 0L, 6L), (merged.Invocations, merged.Failures, merged.Fuel));
        Assert.Equal(7, again[new UsageKey(tenant, "b", new DateTime(2025, 1, 1, 12, 1, 0, DateTimeKind.Utc))].Fuel);

        Assert.True(aggregator.FlushLag >= TimeSpan.FromSeconds(40));
        aggregator.Flushed();
        Assert.Equal(TimeSpan.Zero, aggregator.FlushLag);
    }

    private static (long Invocations, long Failures, long Fuel) Counts(JsonNode counts) => (
        counts["invocations"]!.GetValue<long>(),
        counts["failures"]!.GetValue<long>(),
        counts["fuelConsumed"]!.GetValue<long>());

    private static Dictionary<string, long> Outcomes(JsonNode counts) =>
        counts["outcomes"]!.AsObject().ToDictionary(o => o.Key, o => o.Value!.GetValue<long>());

    private static async Task<JsonNode> GetUsageAsync(PlatformTestHost host, string key, string path)
    {
        using var client = host.CreateClient(key);
        using var response = await client.GetAsync(path).Within();
        var body = await response.Content.ReadAsStringAsync().Within();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        return JsonNode.Parse(body)!;
    }

    /// <summary>Polls until the flusher has written <paramref name="expected"/> invocations (or more: then the assertions fail with the document).</summary>
    private static async Task<JsonNode> WaitForInvocationsAsync(PlatformTestHost host, string key, string path, long expected)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var usage = await GetUsageAsync(host, key, path);
            if (usage["totals"]!["invocations"]!.GetValue<long>() >= expected || watch.Elapsed > TimeSpan.FromSeconds(20))
                return usage;
            await Task.Delay(100);
        }
    }

    /// <summary>The current value of this host's <c>platform.usage.flush.lag</c> gauge.</summary>
    private static double? ObserveFlushLag(PlatformTestHost host)
    {
        var factory = host.Services.GetRequiredService<IMeterFactory>();
        double? value = null;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Name == ControlPlaneMetrics.UsageFlushLagName && ReferenceEquals(instrument.Meter.Scope, factory))
                l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<double>((_, measurement, _, _) => value = measurement);
        listener.Start();
        listener.RecordObservableInstruments();
        return value;
    }
}
