using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using Platform.ControlPlane.Auth;
using Platform.ControlPlane.Caching;

namespace Platform.ControlPlane.Tests;

/// <summary>
/// API keys served from each replica's cache: no PostgreSQL lookup per request while NOTIFY is
/// heard; a revocation or tenant deletion reaches another replica through NOTIFY, and one whose
/// notification never arrives is refused once <see cref="MetadataCacheOptions.KeyMaxAge"/> has passed.
/// The replica under test runs on a fake clock: only the notification, or advancing that clock
/// past the bound, can make it refuse a key it cached.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class KeyCacheTests(PostgresFixture postgres)
{
    [Fact]
    public async Task Revocation_AndTenantDeletion_RefusedByAnotherReplica_ThroughNotify()
    {
        await using var database = await postgres.CreateDatabaseAsync().Within();
        await using var writer = await PlatformTestHost.StartAsync(database.ConnectionString).Within(TimeSpan.FromSeconds(60));
        var clock = new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddYears(60));
        await using var replica = await PlatformTestHost.StartAsync(database.ConnectionString, configure: b => b.Services.AddSingleton<TimeProvider>(clock)).Within(TimeSpan.FromSeconds(60));
        await UntilListeningAsync(replica);
        using var admin = writer.CreateClient(writer.AdminKey);
        var (tenant, firstKey) = await CreateTenantAsync(admin);
        var (secondId, secondKey) = await IssueKeyAsync(admin, tenant);

        // Served from memory after the first lookup: repeated requests cost no PostgreSQL round trip.
        Assert.Equal(HttpStatusCode.OK, await ListAsync(replica, secondKey));
        var authenticator = (Authenticator)replica.Services.GetRequiredService<IAuthenticator>();
        var lookups = authenticator.Lookups;
        for (var i = 0; i < 5; i++)
            Assert.Equal(HttpStatusCode.OK, await ListAsync(replica, secondKey));
        Assert.Equal(lookups, authenticator.Lookups);

        using (var revoke = await admin.DeleteAsync($"/v1/tenants/{tenant}/keys/{secondId}").Within())
            Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        await Eventually(async () => await ListAsync(replica, secondKey) == HttpStatusCode.Unauthorized, "the other replica to refuse the revoked key");
        Assert.Equal(HttpStatusCode.OK, await ListAsync(replica, firstKey));

        using (var delete = await admin.DeleteAsync($"/v1/tenants/{tenant}").Within())
            Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        await Eventually(async () => await ListAsync(replica, firstKey) == HttpStatusCode.Unauthorized, "the other replica to refuse the deleted tenant's key");
    }

    [Fact]
    public async Task RevocationWithoutNotify_RefusedOnceKeyMaxAgeHasPassed()
    {
        await using var database = await postgres.CreateDatabaseAsync().Within();
        var clock = new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddYears(60));
        await using var host = await PlatformTestHost.StartAsync(database.ConnectionString, configure: b => b.Services.AddSingleton<TimeProvider>(clock)).Within(TimeSpan.FromSeconds(60));
        await UntilListeningAsync(host);
        using var admin = host.CreateClient(host.AdminKey);
        var (tenant, key) = await CreateTenantAsync(admin);
        Assert.Equal(HttpStatusCode.OK, await ListAsync(host, key));

        // Revoked behind the control plane's back: no NOTIFY is sent, as if it had been lost.
        await using (var connection = new NpgsqlConnection(database.ConnectionString))
        {
            await connection.OpenAsync().Within();
            await using var revoke = new NpgsqlCommand(
                "UPDATE api_keys SET revoked_at = now() WHERE tenant_id = (SELECT id FROM tenants WHERE name = @name)", connection);
            revoke.Parameters.AddWithValue("name", tenant);
            Assert.Equal(1, await revoke.ExecuteNonQueryAsync().Within());
        }

        clock.Advance(host.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<MetadataCacheOptions>>().Value.KeyMaxAge);
        Assert.Equal(HttpStatusCode.Unauthorized, await ListAsync(host, key));
    }

    private static async Task UntilListeningAsync(PlatformTestHost host)
    {
        var cache = host.Services.GetRequiredService<MetadataCache>();
        await Eventually(() => Task.FromResult(cache.Authoritative), "the change listener to connect");
    }

    private static async Task<(string Name, string Key)> CreateTenantAsync(HttpClient admin)
    {
        var name = $"keys-{Guid.NewGuid():N}"[..20];
        using var response = await admin.PostAsJsonAsync("/v1/tenants", new { name }).Within();
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync().Within())!;
        return (name, body["apiKey"]!.GetValue<string>());
    }

    private static async Task<(string Id, string Key)> IssueKeyAsync(HttpClient admin, string tenant)
    {
        using var response = await admin.PostAsync($"/v1/tenants/{tenant}/keys", null).Within();
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync().Within())!;
        return (body["id"]!.GetValue<string>(), body["apiKey"]!.GetValue<string>());
    }

    private static async Task<HttpStatusCode> ListAsync(PlatformTestHost host, string key)
    {
        using var client = host.CreateClient(key);
        using var response = await client.GetAsync("/v1/functions").Within();
        return response.StatusCode;
    }

    private static async Task Eventually(Func<Task<bool>> condition, string what)
    {
        var watch = Stopwatch.StartNew();
        while (!await condition())
        {
            if (watch.Elapsed > TimeSpan.FromSeconds(20))
                throw new TimeoutException($"waited {watch.Elapsed.TotalSeconds:0.0} s for {what}");
            await Task.Delay(100);
        }
    }
}
