using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Platform.ControlPlane.Caching;

namespace Platform.ControlPlane.Tests;

/// <summary>
/// Function metadata cached in the control plane: invocations of known functions survive a
/// PostgreSQL outage (cut with a <see cref="TcpProxy"/>), uploads fail fast with UNAVAILABLE,
/// and changes are seen after it (this replica at once, another replica through NOTIFY).
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class MetadataCacheTests(PostgresFixture postgres)
{
    /// <summary>How long a change may take to reach the other replica (through its NOTIFY listener).</summary>
    private static readonly TimeSpan ReplicaWait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task DatabaseOutage_KnownFunctionsKeepRunning_UploadsUnavailable_ChangesSeenAfter()
    {
        await using var database = await postgres.CreateDatabaseAsync().Within();
        var target = new NpgsqlConnectionStringBuilder(database.ConnectionString);
        await using var proxy = new TcpProxy(target.Host!, target.Port);
        var viaProxy = new NpgsqlConnectionStringBuilder(database.ConnectionString) { Port = proxy.Port, Timeout = 3 }.ConnectionString;
        await using var cluster = await InvokeCluster.StartAsync(viaProxy);
        // A second replica on the same database, not behind the proxy: it learns changes by NOTIFY.
        await using var replica = await PlatformTestHost.StartAsync(database.ConnectionString).Within(TimeSpan.FromSeconds(60));
        var (tenant, key) = await cluster.CreateTenantAsync();
        await cluster.DeployAsync(key, "greet", Constant("v1"));
        Assert.Equal("v1", (await cluster.InvokeAsync(key, "greet")).Body);
        Assert.Equal("v1", (await InvokeAsync(replica, key, "greet")).Body);

        // A second key, used once, then revoked: it must not come back from a cache in the outage.
        string revokedKey;
        using (var issued = await cluster.Admin.PostAsync($"/v1/tenants/{tenant}/keys", null).Within())
        {
            var body = JsonNode.Parse(await issued.Content.ReadAsStringAsync().Within())!;
            revokedKey = body["apiKey"]!.GetValue<string>();
            Assert.Equal("OK", (await cluster.InvokeAsync(revokedKey, "greet")).Code);
            var cache = cluster.ControlPlane.Services.GetRequiredService<MetadataCache>();
            using var revoke = await cluster.Admin.DeleteAsync($"/v1/tenants/{tenant}/keys/{body["id"]!.GetValue<string>()}").Within();
            Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
            // The revocation invalidated this replica at once; its NOTIFY (and the earlier changes'
            // ones) may still be on the way and would empty the refilled cache during the outage.
            await DrainNotificationsAsync(cache, database.ConnectionString);
        }

        // A key revocation drops the tenant's cached entries; they refill on the next use.
        Assert.Equal("v1", (await cluster.InvokeAsync(key, "greet")).Body);

        proxy.Block();
        var invoked = new List<InvokeCluster.Invoked>();
        for (var i = 0; i < 10; i++)
            invoked.Add(await cluster.InvokeAsync(key, "greet"));
        Assert.All(invoked, r => Assert.Equal((HttpStatusCode.OK, "v1"), (r.Status, r.Body)));

        var watch = Stopwatch.StartNew();
        using (var client = cluster.ControlPlane.CreateClient(key))
        using (var upload = await client.PutAsync("/v1/functions/greet", new StringContent(Constant("never"))).Within())
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, upload.StatusCode);
            Assert.Equal("UNAVAILABLE", JsonNode.Parse(await upload.Content.ReadAsStringAsync().Within())!["code"]!.GetValue<string>());
        }

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"the upload took {watch.Elapsed} to fail");
        var revoked = await cluster.InvokeAsync(revokedKey, "greet");
        Assert.NotEqual(HttpStatusCode.OK, revoked.Status);
        Assert.Equal("UNAVAILABLE", revoked.Code);

        proxy.Unblock();
        // The first statements after the outage may meet dead pooled connections: retried by the client here.
        await Eventually.WaitForAsync(async () =>
        {
            using var client = cluster.ControlPlane.CreateClient(key);
            using var upload = await client.PutAsync("/v1/functions/greet", new StringContent(Constant("v2"))).Within();
            return upload.StatusCode == HttpStatusCode.Created;
        }, ReplicaWait, "the upload of v2 after the outage");

        // This replica invalidated at once; the other one through NOTIFY.
        Assert.Equal("v2", (await cluster.InvokeAsync(key, "greet")).Body);
        await Eventually.WaitForAsync(async () => (await InvokeAsync(replica, key, "greet")).Body == "v2", ReplicaWait, "the other replica to see v2");
        Assert.Equal("2", (await InvokeAsync(replica, key, "greet")).Version);
        Assert.Equal((HttpStatusCode.Unauthorized, "UNAUTHENTICATED"), ((await cluster.InvokeAsync(revokedKey, "greet")).Status, (await cluster.InvokeAsync(revokedKey, "greet")).Code));
    }

    [Fact]
    public async Task Replicas_QuotaChangeAndDelete_SeenByOtherReplicaThroughNotify()
    {
        await using var database = await postgres.CreateDatabaseAsync().Within();
        await using var cluster = await InvokeCluster.StartAsync(database.ConnectionString);
        await using var replica = await PlatformTestHost.StartAsync(database.ConnectionString).Within(TimeSpan.FromSeconds(60));
        var (tenant, key) = await cluster.CreateTenantAsync();
        await cluster.DeployAsync(key, "greet", Constant("hi"));
        Assert.Equal("hi", (await InvokeAsync(replica, key, "greet")).Body);

        // maxInputBytes lowered on replica 1: replica 2 refuses a larger input soon after.
        await cluster.SetQuotasAsync(tenant, new { maxInputBytes = 4 });
        await Eventually.WaitForAsync(async () => (await InvokeAsync(replica, key, "greet", "too large")).Code == "PAYLOAD_TOO_LARGE", ReplicaWait, "the other replica to apply the quota");

        // Deleting the function on replica 1: replica 2 answers NOT_FOUND.
        using (var client = cluster.ControlPlane.CreateClient(key))
        using (var deleted = await client.DeleteAsync("/v1/functions/greet").Within())
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        await Eventually.WaitForAsync(async () => (await InvokeAsync(replica, key, "greet")).Code == "NOT_FOUND", ReplicaWait, "the other replica to forget the function");
    }

    /// <summary>Writes <paramref name="text"/> to stdout (a distinct module per text).</summary>
    internal static string Constant(string text) => $$"""
        (module
          (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
          (memory (export "memory") 1)
          (data (i32.const 64) "{{text}}")
          (func (export "_start")
            (i32.store (i32.const 0) (i32.const 64))
            (i32.store (i32.const 4) (i32.const {{text.Length.ToString(CultureInfo.InvariantCulture)}}))
            (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))
        """;

    private static async Task<InvokeCluster.Invoked> InvokeAsync(PlatformTestHost host, string key, string target, string input = "")
    {
        using var client = host.CreateClient(key);
        using var content = new StringContent(input);
        using var response = await client.PostAsync($"/v1/functions/{target}/invoke", content).Within();
        var body = await response.Content.ReadAsStringAsync().Within();
        var code = response.Content.Headers.ContentType?.MediaType == "application/problem+json"
            ? JsonNode.Parse(body)!["code"]?.GetValue<string>()
            : response.Headers.GetValues("Platform-Outcome").First();
        var version = response.Headers.TryGetValues("Platform-Version", out var v) ? v.First() : null;
        return new InvokeCluster.Invoked(response.StatusCode, code, body, null, null, version);
    }

    /// <summary>
    /// Waits until every NOTIFY committed so far has been applied to <paramref name="cache"/>:
    /// PostgreSQL delivers notifications in commit order, so once a marker sent now has been
    /// applied (it drops the marker entry planted here), all earlier ones have been too.
    /// </summary>
    private static async Task DrainNotificationsAsync(MetadataCache cache, string connectionString)
    {
        var marker = Guid.NewGuid();
        var markerName = $"marker-{marker:N}";
        cache.PutTenantId(cache.Generation, markerName, marker);
        Assert.True(cache.TryGetTenantId(markerName, out _));
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync().Within();
            await using var notify = new NpgsqlCommand("SELECT pg_notify(@channel, @payload)", connection);
            notify.Parameters.AddWithValue("channel", Platform.ControlPlane.Tenants.TenantStore.ChangeChannel);
            notify.Parameters.AddWithValue("payload", marker.ToString());
            await notify.ExecuteNonQueryAsync().Within();
        }

        await Eventually.WaitForAsync(() => !cache.TryGetTenantId(markerName, out _), ReplicaWait, "the marker NOTIFY");
    }
}
