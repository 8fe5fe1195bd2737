using System.Net;
using System.Text.Json.Nodes;
using Grpc.Core;
using Platform.ControlPlane.History;
using Platform.ControlPlane.Tail;
using V1 = Platform.Contracts.V1;

namespace Platform.ControlPlane.Tests;

/// <summary>Live tails: server-sent events and a gRPC stream fed from the history table, per tenant, bounded.</summary>
[Collection(PostgresCollection.Name)]
public sealed class TailTests(PostgresFixture postgres)
{
    private static readonly Dictionary<string, string?> FastFlush = new()
    {
        ["Platform:History:FlushInterval"] = "00:00:00.200",
        ["Platform:Tail:PollInterval"] = "00:00:00.100",
        ["Platform:Tail:MaxTailsPerTenant"] = "2",
    };

    [Fact]
    public async Task Tail_OnAnotherReplica_ShowsEachNewInvocationOfTheTenant_InOrder()
    {
        await using var database = await postgres.CreateDatabaseAsync().Within();
        await using var cluster = await InvokeCluster.StartAsync(database.ConnectionString, FastFlush);
        await using var replica = await PlatformTestHost.StartAsync(database.ConnectionString, new Dictionary<string, string?>(FastFlush) { ["role"] = "control-plane" }).Within(TimeSpan.FromSeconds(60));
        var (_, keyA) = await cluster.CreateTenantAsync();
        var (_, keyB) = await cluster.CreateTenantAsync();
        await cluster.DeployAsync(keyA, "hello", Modules.Hello);
        await cluster.DeployAsync(keyB, "hello", Modules.Hello);

        // The tail is on the replica; the invocations are routed by the other control plane.
        using var tail = await SseTail.OpenAsync(replica.CreateClient(keyA), "/v1/invocations/stream?function=hello");
        var neighbour = await InvokeAsync(cluster, keyB, "hello");
        var first = await InvokeAsync(cluster, keyA, "hello");
        var second = await InvokeAsync(cluster, keyA, "hello");

        var one = await tail.NextAsync();
        var two = await tail.NextAsync();
        Assert.Equal(("invocation", first), (one.Event, one.Id));
        Assert.Equal(("invocation", second), (two.Event, two.Id));
        Assert.NotEqual(neighbour, one.Id);
        Assert.Equal("hello", one.Data["function"]!.GetValue<string>());
        Assert.Equal("OK", one.Data["outcome"]!.GetValue<string>());
    }

    [Fact]
    public async Task Tail_IsBoundedPerTenant_AndRefusesHostileRequests()
    {
        await using var database = await postgres.CreateDatabaseAsync().Within();
        await using var cluster = await InvokeCluster.StartAsync(database.ConnectionString, FastFlush, worker: false);
        var (_, keyA) = await cluster.CreateTenantAsync();
        var (_, keyB) = await cluster.CreateTenantAsync();

        var first = await SseTail.OpenAsync(cluster.ControlPlane.CreateClient(keyA), "/v1/invocations/stream");
        using var second = await SseTail.OpenAsync(cluster.ControlPlane.CreateClient(keyA), "/v1/invocations/stream?outcome=TRAP");
        using (var client = cluster.ControlPlane.CreateClient(keyA))
        using (var refused = await client.GetAsync("/v1/invocations/stream", HttpCompletionOption.ResponseHeadersRead).Within())
        {
            var problem = await ApiCalls.ReadJsonAsync(refused, HttpStatusCode.TooManyRequests);
            Assert.Equal("CONCURRENCY_LIMITED", problem["code"]!.GetValue<string>());
        }

        // Another tenant has its own slots.
        using (await SseTail.OpenAsync(cluster.ControlPlane.CreateClient(keyB), "/v1/invocations/stream"))
        {
        }

        // Closing a tail frees its slot once the server has seen the reader go.
        first.Dispose();
        var deadline = TestTimeouts.Deadline();
        while (true)
        {
            using var client = cluster.ControlPlane.CreateClient(keyA);
            using var response = await client.GetAsync("/v1/invocations/stream", HttpCompletionOption.ResponseHeadersRead).Within();
            if (response.StatusCode == HttpStatusCode.OK) break;
            Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
            Assert.True(DateTime.UtcNow < deadline, "the closed tail's slot was never freed");
            await Task.Delay(50);
        }

        using (var anonymous = cluster.ControlPlane.CreateClient())
        using (var response = await anonymous.GetAsync("/v1/invocations/stream").Within())
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        using (var admin = await cluster.Admin.GetAsync("/v1/invocations/stream").Within())
            Assert.Equal(HttpStatusCode.Forbidden, admin.StatusCode);
        foreach (var (query, field) in new[] { ("outcome=EXPLODED", "outcome"), ("function=A%20B", "function"), ("since=soon", "since"), ("function=a&function=b", "function") })
        {
            using var client = cluster.ControlPlane.CreateClient(keyB);
            using var response = await client.GetAsync($"/v1/invocations/stream?{query}").Within();
            var problem = await ApiCalls.ReadJsonAsync(response, HttpStatusCode.BadRequest);
            Assert.Equal(field, problem["field"]!.GetValue<string>());
        }
    }

    [Fact]
    public async Task TailGrpc_StreamsTheTenantsInvocations_AndRefusesTheUnauthenticated()
    {
        await using var database = await postgres.CreateDatabaseAsync().Within();
        await using var cluster = await InvokeCluster.StartAsync(database.ConnectionString, FastFlush);
        var (_, key) = await cluster.CreateTenantAsync();
        await cluster.DeployAsync(key, "hello", Modules.Hello);
        var history = new V1.InvocationHistoryService.InvocationHistoryServiceClient(cluster.ControlPlane.Channel);

        using var cancel = new CancellationTokenSource(TestTimeouts.Default);
        using var call = history.TailInvocations(new V1.TailInvocationsRequest { Function = "hello" }, PlatformTestHost.Bearer(key).WithCancellationToken(cancel.Token));
        await call.ResponseHeadersAsync.Within();
        var id = await InvokeAsync(cluster, key, "hello");
        Assert.True(await call.ResponseStream.MoveNext(cancel.Token).Within());
        Assert.Equal(id, call.ResponseStream.Current.Invocation.Id);
        await cancel.CancelAsync();

        using var anonymous = history.TailInvocations(new V1.TailInvocationsRequest(), PlatformTestHost.Bearer(null));
        var error = await Assert.ThrowsAsync<RpcException>(() => anonymous.ResponseStream.MoveNext(CancellationToken.None).Within());
        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
    }

    [Fact]
    public void Feed_ForASlowReader_DropsAndCountsInsteadOfGrowing()
    {
        var feed = new TailFeed(capacity: 2);
        for (var i = 0; i < 5; i++)
            feed.Offer(new InvocationRecord(Guid.Empty, $"r{i}", DateTimeOffset.UnixEpoch, "f", 1, "invoke", "OK", 0, null, 1, 1, "w", 0, 0, [], false));

        Assert.Equal(3, feed.Dropped);
        Assert.True(feed.Reader.TryRead(out var a));
        Assert.True(feed.Reader.TryRead(out var b));
        Assert.False(feed.Reader.TryRead(out _));
        Assert.Equal(["r0", "r1"], new[] { a!.Id, b!.Id });
    }

    private static async Task<string> InvokeAsync(InvokeCluster cluster, string key, string function)
    {
        using var client = cluster.ControlPlane.CreateClient(key);
        using var response = await ApiCalls.InvokeAsync(client, function, []);
        return response.Headers.GetValues("Platform-Invocation-Id").Single();
    }

    /// <summary>A server-sent-events reader over a real response stream; every read bounded.</summary>
    private sealed class SseTail : IDisposable
    {
        private readonly HttpClient _client;
        private readonly HttpResponseMessage _response;
        private readonly StreamReader _reader;

        private SseTail(HttpClient client, HttpResponseMessage response, StreamReader reader)
        {
            _client = client;
            _response = response;
            _reader = reader;
        }

        /// <summary>Opens the stream and waits for its opening comment: the tail is running.</summary>
        public static async Task<SseTail> OpenAsync(HttpClient client, string path)
        {
            var response = await client.GetAsync(path, HttpCompletionOption.ResponseHeadersRead).Within();
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
            var reader = new StreamReader(await response.Content.ReadAsStreamAsync().Within());
            Assert.Equal(": tail open", await reader.ReadLineAsync().Within());
            Assert.Equal("", await reader.ReadLineAsync().Within());
            return new SseTail(client, response, reader);
        }

        public async Task<(string Event, string? Id, JsonObject Data)> NextAsync()
        {
            string? name = null, id = null, data = null;
            while (true)
            {
                var line = await _reader.ReadLineAsync().Within();
                Assert.NotNull(line);
                if (line.Length == 0 && data is not null) return (name ?? "message", id, JsonNode.Parse(data)!.AsObject());
                if (line.StartsWith("event: ", StringComparison.Ordinal)) name = line[7..];
                else if (line.StartsWith("id: ", StringComparison.Ordinal)) id = line[4..];
                else if (line.StartsWith("data: ", StringComparison.Ordinal)) data = line[6..];
            }
        }

        public void Dispose()
        {
            _reader.Dispose();
            _response.Dispose();
            _client.Dispose();
        }
    }
}
