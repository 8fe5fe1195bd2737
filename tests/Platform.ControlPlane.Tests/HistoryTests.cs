using System.Net;
using System.Text.Json.Nodes;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Platform.ControlPlane.History;
using V1 = Platform.Contracts.V1;

namespace Platform.ControlPlane.Tests;

/// <summary>Invocation history: records written in batches, listed newest first in pages, per tenant, pruned by retention.</summary>
[Collection(PostgresCollection.Name)]
public sealed class HistoryTests(PostgresFixture postgres)
{
    /// <summary>Writes "oops\n" to stderr and reads its input, then proc_exit(3).</summary>
    private const string LogThenExit3 = """
        (module
          (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
          (memory (export "memory") 1)
          (data (i32.const 64) "oops\n")
          (func (export "_start")
            (i32.store (i32.const 0) (i32.const 64))
            (i32.store (i32.const 4) (i32.const 5))
            (drop (call $fd_write (i32.const 2) (i32.const 0) (i32.const 1) (i32.const 8)))
            (call $proc_exit (i32.const 3))))
        """;

    /// <summary>Only explicit flushes write: what a test reads is exactly what it flushed.</summary>
    private static readonly Dictionary<string, string?> ManualFlush = new()
    {
        ["Platform:History:FlushInterval"] = "01:00:00",
        ["Platform:History:PruneInterval"] = "01:00:00",
    };

    [Fact]
    public async Task History_AfterInvocations_RecordsEveryFieldNewestFirst_AndFilters()
    {
        await using var database = await postgres.CreateDatabaseAsync().Within();
        await using var cluster = await InvokeCluster.StartAsync(database.ConnectionString, ManualFlush);
        var (_, key) = await cluster.CreateTenantAsync();
        await cluster.DeployAsync(key, "echo", GuestWat.Echo);
        await cluster.DeployAsync(key, "exit", LogThenExit3);

        using var client = cluster.ControlPlane.CreateClient(key);
        var ids = new List<(string Id, string Function, long Fuel)>();
        foreach (var (function, input) in new[] { ("echo", "hello"), ("exit", "abc"), ("echo", "") })
        {
            using var response = await ApiCalls.InvokeAsync(client, function, System.Text.Encoding.UTF8.GetBytes(input));
            var id = response.Headers.GetValues("Platform-Invocation-Id").Single();
            var fuel = long.Parse(response.Headers.GetValues("Platform-Fuel-Consumed").Single(), System.Globalization.CultureInfo.InvariantCulture);
            ids.Add((id, function, fuel));
        }

        // Nothing is written before a flush.
        Assert.Empty((await ListAsync(client, ""))["invocations"]!.AsArray());
        Assert.True(await Flusher(cluster).FlushAsync(CancellationToken.None).Within());

        var all = (await ListAsync(client, ""))["invocations"]!.AsArray();
        Assert.Equal(ids.Select(i => i.Id).Reverse(), all.Select(r => r!["id"]!.GetValue<string>()));
        var exit = all[1]!;
        Assert.Equal("exit", exit["function"]!.GetValue<string>());
        Assert.Equal(1, exit["version"]!.GetValue<int>());
        Assert.Equal("invoke", exit["trigger"]!.GetValue<string>());
        Assert.Equal("EXIT_NONZERO", exit["outcome"]!.GetValue<string>());
        Assert.Equal(3, exit["exitCode"]!.GetValue<int>());
        Assert.Equal("oops\n", exit["logs"]!.GetValue<string>());
        Assert.False(exit["logsTruncated"]!.GetValue<bool>());
        Assert.Equal(ids[1].Fuel, exit["fuelConsumed"]!.GetValue<long>());
        Assert.Equal(3, exit["inputBytes"]!.GetValue<long>());
        Assert.Equal(0, exit["outputBytes"]!.GetValue<long>());
        Assert.Equal("w1", exit["worker"]!.GetValue<string>());
        Assert.True(exit["durationMs"]!.GetValue<double>() > 0);
        var firstEcho = all[2]!;
        Assert.Equal(("OK", 5L, 5L), (firstEcho["outcome"]!.GetValue<string>(), firstEcho["inputBytes"]!.GetValue<long>(), firstEcho["outputBytes"]!.GetValue<long>()));
        Assert.Equal(ids[0].Fuel, firstEcho["fuelConsumed"]!.GetValue<long>());

        // One record by id: the same document as in the list.
        using (var response = await client.GetAsync($"/v1/invocations/{ids[1].Id}").Within())
        {
            var one = await ApiCalls.ReadJsonAsync(response, HttpStatusCode.OK);
            Assert.Equal(exit.ToJsonString(), one.ToJsonString());
        }

        Assert.Equal([ids[2].Id, ids[0].Id], Ids(await ListAsync(client, "?function=echo")));
        Assert.Equal([ids[1].Id], Ids(await ListAsync(client, "?outcome=exit_nonzero")));
        Assert.Empty(Ids(await ListAsync(client, "?function=echo&outcome=TRAP")));
        var endedAt = exit["endedAt"]!.GetValue<DateTimeOffset>();
        Assert.Equal([ids[2].Id, ids[1].Id], Ids(await ListAsync(client, $"?since={Uri.EscapeDataString(endedAt.ToString("O"))}")));
        Assert.Equal([ids[0].Id], Ids(await ListAsync(client, $"?until={Uri.EscapeDataString(endedAt.ToString("O"))}")));
    }

    [Fact]
    public async Task History_OfAnHttpTriggeredInvocation_SaysHttp()
    {
        const string Page = """
            (module
              (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
              (memory (export "memory") 1)
              (data (i32.const 64) "Content-Type: text/plain\n\nhi")
              (func (export "_start")
                (i32.store (i32.const 0) (i32.const 64))
                (i32.store (i32.const 4) (i32.const 28))
                (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))
            """;
        await using var database = await postgres.CreateDatabaseAsync().Within();
        await using var cluster = await InvokeCluster.StartAsync(database.ConnectionString, ManualFlush);
        var (tenant, key) = await cluster.CreateTenantAsync();
        await cluster.DeployAsync(key, "web", Page, """{"http":{"public":true}}""");
        string id;
        using (var anonymous = cluster.ControlPlane.CreateClient())
        using (var response = await anonymous.GetAsync($"/fn/{tenant}/web/page").Within())
        {
            Assert.Equal("hi", await response.Content.ReadAsStringAsync().Within());
            id = response.Headers.GetValues("Platform-Invocation-Id").Single();
        }

        Assert.True(await Flusher(cluster).FlushAsync(CancellationToken.None).Within());
        using var client = cluster.ControlPlane.CreateClient(key);
        using var one = await client.GetAsync($"/v1/invocations/{id}").Within();
        var record = await ApiCalls.ReadJsonAsync(one, HttpStatusCode.OK);
        Assert.Equal(("http", "web", "OK"), (record["trigger"]!.GetValue<string>(), record["function"]!.GetValue<string>(), record["outcome"]!.GetValue<string>()));
    }

    [Fact]
    public async Task History_WithoutExplicitFlush_AppearsWithinTheInterval_AndSurvivesAStop()
    {
        await using var database = await postgres.CreateDatabaseAsync().Within();
        string key, first, second;
        await using (var cluster = await InvokeCluster.StartAsync(database.ConnectionString, new Dictionary<string, string?> { ["Platform:History:FlushInterval"] = "00:00:00.200" }))
        {
            (_, key) = await cluster.CreateTenantAsync();
            await cluster.DeployAsync(key, "hello", Modules.Hello);
            using var client = cluster.ControlPlane.CreateClient(key);
            using (var response = await ApiCalls.InvokeAsync(client, "hello", []))
                first = response.Headers.GetValues("Platform-Invocation-Id").Single();

            // The flusher's own timer writes it: wait for the record to be readable.
            var deadline = TestTimeouts.Deadline();
            while (Ids(await ListAsync(client, "")).Count == 0)
            {
                Assert.True(DateTime.UtcNow < deadline, "the record never appeared");
                await Task.Delay(50);
            }

            Assert.Equal([first], Ids(await ListAsync(client, "")));
            using (var response = await ApiCalls.InvokeAsync(client, "hello", []))
                second = response.Headers.GetValues("Platform-Invocation-Id").Single();
        }

        // The stop flushed what was still queued; another control plane reads both.
        await using var restarted = await PlatformTestHost.StartAsync(database.ConnectionString, new Dictionary<string, string?> { ["role"] = "control-plane" }).Within(TimeSpan.FromSeconds(60));
        using var again = restarted.CreateClient(key);
        Assert.Equal([second, first], Ids(await ListAsync(again, "")));
    }

    [Fact]
    public async Task History_Pages_AreDisjointNewestFirst_AndCursorsAreBoundToTheirList()
    {
        await using var database = await postgres.CreateDatabaseAsync().Within();
        await using var cluster = await InvokeCluster.StartAsync(database.ConnectionString, ManualFlush);
        var (_, key) = await cluster.CreateTenantAsync();
        var (_, otherKey) = await cluster.CreateTenantAsync();
        await cluster.DeployAsync(key, "hello", Modules.Hello);
        using var client = cluster.ControlPlane.CreateClient(key);
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            using var response = await ApiCalls.InvokeAsync(client, "hello", []);
            ids.Add(response.Headers.GetValues("Platform-Invocation-Id").Single());
        }

        Assert.True(await Flusher(cluster).FlushAsync(CancellationToken.None).Within());
        var seen = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await ListAsync(client, cursor is null ? "?limit=2" : $"?limit=2&cursor={Uri.EscapeDataString(cursor)}");
            seen.AddRange(Ids(page));
            cursor = page["nextCursor"]?.GetValue<string>();
            pages++;
        }
        while (cursor is not null && pages < 10);

        Assert.Equal(3, pages);
        Assert.Equal(Enumerable.Reverse(ids), seen);

        var second = (await ListAsync(client, "?limit=2"))["nextCursor"]!.GetValue<string>();
        // The same cursor on another filter, on another tenant's list, or edited: INVALID_ARGUMENT (cursor).
        await AssertInvalidAsync(client, $"/v1/invocations?limit=2&function=hello&cursor={Uri.EscapeDataString(second)}", "cursor");
        using (var other = cluster.ControlPlane.CreateClient(otherKey))
            await AssertInvalidAsync(other, $"/v1/invocations?limit=2&cursor={Uri.EscapeDataString(second)}", "cursor");
        await AssertInvalidAsync(client, $"/v1/invocations?cursor={Uri.EscapeDataString("x" + second)}", "cursor");
    }

    [Fact]
    public async Task History_IsTenantScoped_AndRefusesHostileRequests()
    {
        await using var database = await postgres.CreateDatabaseAsync().Within();
        await using var cluster = await InvokeCluster.StartAsync(database.ConnectionString, ManualFlush);
        var (_, keyA) = await cluster.CreateTenantAsync();
        var (_, keyB) = await cluster.CreateTenantAsync();
        await cluster.DeployAsync(keyA, "hello", Modules.Hello);
        using var a = cluster.ControlPlane.CreateClient(keyA);
        using var b = cluster.ControlPlane.CreateClient(keyB);
        string id;
        using (var response = await ApiCalls.InvokeAsync(a, "hello", []))
            id = response.Headers.GetValues("Platform-Invocation-Id").Single();
        Assert.True(await Flusher(cluster).FlushAsync(CancellationToken.None).Within());

        // Tenant B: A's id is NOT_FOUND, exactly like an id that never existed; B's list is empty.
        foreach (var path in new[] { $"/v1/invocations/{id}", $"/v1/invocations/{new string('0', 32)}" })
        {
            using var response = await b.GetAsync(path).Within();
            var problem = await ApiCalls.ReadJsonAsync(response, HttpStatusCode.NotFound);
            Assert.Equal("NOT_FOUND", problem["code"]!.GetValue<string>());
        }

        Assert.Empty(Ids(await ListAsync(b, "")));
        Assert.Equal([id], Ids(await ListAsync(a, "")));

        // No key, a wrong key: 401; the admin key owns no invocations: 403.
        using (var anonymous = cluster.ControlPlane.CreateClient())
        using (var wrong = cluster.ControlPlane.CreateClient("not-a-key"))
        {
            foreach (var client in new[] { anonymous, wrong })
            {
                foreach (var path in new[] { "/v1/invocations", $"/v1/invocations/{id}" })
                {
                    using var response = await client.GetAsync(path).Within();
                    Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
                }
            }
        }

        using (var response = await cluster.Admin.GetAsync("/v1/invocations").Within())
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);

        // Malformed filters, ids and pages name their field.
        await AssertInvalidAsync(a, "/v1/invocations?outcome=EXPLODED", "outcome");
        await AssertInvalidAsync(a, "/v1/invocations?outcome=OK&outcome=TRAP", "outcome");
        await AssertInvalidAsync(a, "/v1/invocations?function=Not%20A%20Name", "function");
        await AssertInvalidAsync(a, "/v1/invocations?since=yesterday", "since");
        await AssertInvalidAsync(a, "/v1/invocations?since=2025-01-02T00:00:00Z&until=2025-01-01T00:00:00Z", "until");
        await AssertInvalidAsync(a, "/v1/invocations?limit=0", "limit");
        await AssertInvalidAsync(a, "/v1/invocations?limit=201", "limit");
        await AssertInvalidAsync(a, "/v1/invocations?cursor=" + new string('a', 5000), "cursor");
        await AssertInvalidAsync(a, "/v1/invocations/" + id.ToUpperInvariant(), "id");
        await AssertInvalidAsync(a, "/v1/invocations/" + new string('a', 4000), "id");
        await AssertInvalidAsync(a, "/v1/invocations/..%2F..%2Fetc", "id");
    }

    [Fact]
    public async Task HistoryGrpc_ListsAndGets_TheTenantsOwnOnly()
    {
        await using var database = await postgres.CreateDatabaseAsync().Within();
        await using var cluster = await InvokeCluster.StartAsync(database.ConnectionString, ManualFlush);
        var (_, keyA) = await cluster.CreateTenantAsync();
        var (_, keyB) = await cluster.CreateTenantAsync();
        await cluster.DeployAsync(keyA, "exit", LogThenExit3);
        var invocations = new V1.InvocationService.InvocationServiceClient(cluster.ControlPlane.Channel);
        var (_, error) = await ApiCalls.GrpcInvokeAsync(invocations, keyA, new V1.InvokeRequest { Function = "exit" });
        var id = GrpcApiTests.ErrorInfo(error!).Metadata["invocation_id"];
        Assert.True(await Flusher(cluster).FlushAsync(CancellationToken.None).Within());

        var history = new V1.InvocationHistoryService.InvocationHistoryServiceClient(cluster.ControlPlane.Channel);
        var list = await history.ListInvocationsAsync(new V1.ListInvocationsRequest { Outcome = "EXIT_NONZERO" }, PlatformTestHost.Bearer(keyA)).ResponseAsync.Within();
        var record = Assert.Single(list.Invocations);
        Assert.Equal((id, "exit", 3, "oops\n"), (record.Id, record.Function, record.ExitCode, record.Logs.ToStringUtf8()));
        Assert.Equal("", list.NextCursor);
        Assert.Equal(record, await history.GetInvocationAsync(new V1.GetInvocationRequest { Id = id }, PlatformTestHost.Bearer(keyA)).ResponseAsync.Within());

        var notFound = await Assert.ThrowsAsync<RpcException>(() => history.GetInvocationAsync(new V1.GetInvocationRequest { Id = id }, PlatformTestHost.Bearer(keyB)).ResponseAsync.Within());
        Assert.Equal(StatusCode.NotFound, notFound.StatusCode);
        Assert.Empty((await history.ListInvocationsAsync(new V1.ListInvocationsRequest(), PlatformTestHost.Bearer(keyB)).ResponseAsync.Within()).Invocations);
        var anonymous = await Assert.ThrowsAsync<RpcException>(() => history.ListInvocationsAsync(new V1.ListInvocationsRequest(), PlatformTestHost.Bearer(null)).ResponseAsync.Within());
        Assert.Equal(StatusCode.Unauthenticated, anonymous.StatusCode);
        var malformed = await Assert.ThrowsAsync<RpcException>(() => history.GetInvocationAsync(new V1.GetInvocationRequest { Id = "../x" }, PlatformTestHost.Bearer(keyA)).ResponseAsync.Within());
        Assert.Equal(("INVALID_ARGUMENT", "id"), (GrpcApiTests.ErrorInfo(malformed).Reason, GrpcApiTests.ErrorInfo(malformed).Metadata["field"]));
        var badPage = await Assert.ThrowsAsync<RpcException>(() => history.ListInvocationsAsync(new V1.ListInvocationsRequest { Page = new V1.Page { Cursor = "forged.cursor" } }, PlatformTestHost.Bearer(keyA)).ResponseAsync.Within());
        Assert.Equal("cursor", GrpcApiTests.ErrorInfo(badPage).Metadata["field"]);
    }

    [Fact]
    public async Task Prune_DeletesPastEachTenantsRetention_ByCountAndByAge()
    {
        await using var database = await postgres.CreateDatabaseAsync().Within();
        await using var cluster = await InvokeCluster.StartAsync(database.ConnectionString, ManualFlush);
        var (nameA, keyA) = await cluster.CreateTenantAsync(new { maxHistoryRecords = 2 });
        var (nameB, keyB) = await cluster.CreateTenantAsync(new { historyRetentionHours = 1 });
        var (_, keyC) = await cluster.CreateTenantAsync();
        foreach (var key in new[] { keyA, keyB, keyC })
            await cluster.DeployAsync(key, "hello", Modules.Hello);
        var ids = new Dictionary<string, List<string>>();
        foreach (var key in new[] { keyA, keyB, keyC })
        {
            using var client = cluster.ControlPlane.CreateClient(key);
            ids[key] = [];
            for (var i = 0; i < 3; i++)
            {
                using var response = await ApiCalls.InvokeAsync(client, "hello", []);
                ids[key].Add(response.Headers.GetValues("Platform-Invocation-Id").Single());
            }
        }

        Assert.True(await Flusher(cluster).FlushAsync(CancellationToken.None).Within());
        var store = cluster.ControlPlane.Services.GetRequiredService<HistoryStore>();

        // Now: A keeps its newest 2; B and C keep all 3 (an hour has not passed).
        Assert.Equal(1, await store.PruneAsync(DateTimeOffset.UtcNow, CancellationToken.None).Within());
        using (var a = cluster.ControlPlane.CreateClient(keyA))
            Assert.Equal([ids[keyA][2], ids[keyA][1]], Ids(await ListAsync(a, "")));

        // Two hours on: B's 1-hour retention empties it; C follows the 7-day default; A is at its count.
        Assert.Equal(3, await store.PruneAsync(DateTimeOffset.UtcNow.AddHours(2), CancellationToken.None).Within());
        using (var b = cluster.ControlPlane.CreateClient(keyB))
            Assert.Empty(Ids(await ListAsync(b, "")));
        using (var c = cluster.ControlPlane.CreateClient(keyC))
            Assert.Equal(3, Ids(await ListAsync(c, "")).Count);

        // Quotas show the fields; out-of-range values are refused.
        using (var response = await cluster.Admin.GetAsync($"/v1/tenants/{nameA}").Within())
        {
            var tenant = await ApiCalls.ReadJsonAsync(response, HttpStatusCode.OK);
            Assert.Equal(2, tenant["quotas"]!["maxHistoryRecords"]!.GetValue<int>());
            Assert.Equal(168, tenant["quotas"]!["historyRetentionHours"]!.GetValue<int>());
        }

        using (var response = await cluster.Admin.PutAsync($"/v1/tenants/{nameB}/quotas", new StringContent("""{"historyRetentionHours":0}""", System.Text.Encoding.UTF8, "application/json")).Within())
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public void Buffer_DropsAndCountsPastItsByteCap_AndRestoresOldestFirst()
    {
        var buffer = new HistoryBuffer(Options.Create(new HistoryOptions { MaxPendingBytes = 3 * Record("x").ApproximateBytes }));
        buffer.Add(Record("a"));
        buffer.Add(Record("b"));
        var drained = buffer.Drain();
        buffer.Add(Record("c"));
        buffer.Add(Record("d"));
        buffer.Restore(drained);
        Assert.Equal(1, buffer.Dropped);
        Assert.Equal(["a", "b", "c"], buffer.Drain().Select(r => r.Id));
        buffer.Add(Record("e"));
        Assert.Equal(["e"], buffer.Drain().Select(r => r.Id));

        var off = new HistoryBuffer(Options.Create(new HistoryOptions { Enabled = false }));
        off.Add(Record("f"));
        Assert.Equal(0, off.Count);
    }

    private static InvocationRecord Record(string id) =>
        new(Guid.Empty, id, DateTimeOffset.UnixEpoch, "f", 1, "invoke", "OK", 0, null, 1, 1, "w", 0, 0, [], false);

    private static HistoryFlusher Flusher(InvokeCluster cluster) => cluster.ControlPlane.Services.GetRequiredService<HistoryFlusher>();

    private static List<string> Ids(JsonObject page) => page["invocations"]!.AsArray().Select(r => r!["id"]!.GetValue<string>()).ToList();

    private static async Task<JsonObject> ListAsync(HttpClient client, string query)
    {
        using var response = await client.GetAsync("/v1/invocations" + query).Within();
        return await ApiCalls.ReadJsonAsync(response, HttpStatusCode.OK);
    }

    private static async Task AssertInvalidAsync(HttpClient client, string path, string field)
    {
        using var response = await client.GetAsync(path).Within();
        var body = await response.Content.ReadAsStringAsync().Within();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{path}: {(int)response.StatusCode} {body}");
        var problem = JsonNode.Parse(body)!;
        Assert.Equal("INVALID_ARGUMENT", problem["code"]!.GetValue<string>());
        Assert.Equal(field, problem["field"]!.GetValue<string>());
    }
}
