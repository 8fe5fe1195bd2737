using System.Net;
using System.Net.Http.Json;
using Grpc.Core;
using Microsoft.Extensions.Options;
using Npgsql;
using Platform.ControlPlane.Database;
using Platform.Server;
using V1 = Platform.Contracts.V1;

namespace Platform.ControlPlane.Tests;

/// <summary>Start-up, restart, replicas, configuration errors and database outages, each with hosts of its own.</summary>
[Collection(PostgresCollection.Name)]
public sealed class LifecycleTests(PostgresFixture postgres) : IAsyncLifetime
{
    private TestDatabase _database = null!;

    public async Task InitializeAsync() => _database = await postgres.CreateDatabaseAsync().Within();

    public async Task DisposeAsync() => await _database.DisposeAsync();

    [Fact]
    public async Task Restart_SameDatabase_DataAndKeysSurvive()
    {
        string key;
        string sha;
        await using (var first = await PlatformTestHost.StartAsync(_database.ConnectionString).Within(TimeSpan.FromSeconds(60)))
        {
            using var admin = first.CreateClient(first.AdminKey);
            using var created = await admin.PostAsJsonAsync("/v1/tenants", new { name = "durable", quotas = new { maxFunctions = 7 } }).Within();
            key = (await created.Content.ReadFromJsonAsync<CreatedTenant>().Within())!.ApiKey;
            using var tenant = first.CreateClient(key);
            using var deployed = await tenant.PutAsync("/v1/functions/keep", new StringContent(Modules.Hello)).Within();
            Assert.Equal(HttpStatusCode.Created, deployed.StatusCode);
            sha = (await deployed.Content.ReadFromJsonAsync<Deployed>().Within())!.Sha256;
            await first.StopAsync();
        }

        await using var second = await PlatformTestHost.StartAsync(_database.ConnectionString).Within(TimeSpan.FromSeconds(60));
        using var client = second.CreateClient(key);
        var bytes = await client.GetByteArrayAsync("/v1/functions/keep/versions/1/module").Within();
        Assert.Equal(sha, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)));
        using var admin2 = second.CreateClient(second.AdminKey);
        using var tenantInfo = await admin2.GetAsync("/v1/tenants/durable").Within();
        Assert.Contains("\"maxFunctions\":7", await tenantInfo.Content.ReadAsStringAsync().Within());
        Assert.Equal(MigrationRunner.Load().Count, await _database.ScalarAsync<long>("SELECT count(*) FROM schema_migrations").Within());
    }

    [Fact]
    public async Task TwoReplicas_StartTogether_OnFreshDatabase_MigrateOnceBothServe()
    {
        var starts = Enumerable.Range(0, 2).Select(_ => Task.Run(() => PlatformTestHost.StartAsync(_database.ConnectionString))).ToList();
        var hosts = await Task.WhenAll(starts).Within(TimeSpan.FromSeconds(90));
        try
        {
            var migrations = MigrationRunner.Load();
            Assert.Equal(migrations.Count, await _database.ScalarAsync<long>("SELECT count(*) FROM schema_migrations").Within());
            Assert.Equal(migrations.Count, await _database.ScalarAsync<long>("SELECT count(DISTINCT version) FROM schema_migrations").Within());

            using var adminA = hosts[0].CreateClient(hosts[0].AdminKey);
            using var created = await adminA.PostAsJsonAsync("/v1/tenants", new { name = "shared" }).Within();
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            using var adminB = hosts[1].CreateClient(hosts[1].AdminKey);
            using var seen = await adminB.GetAsync("/v1/tenants/shared").Within();
            Assert.Equal(HttpStatusCode.OK, seen.StatusCode);
        }
        finally
        {
            foreach (var host in hosts)
                await host.DisposeAsync();
        }
    }

    [Fact]
    public async Task Migrations_AppliedAgain_NothingRuns()
    {
        await using var host = await PlatformTestHost.StartAsync(_database.ConnectionString).Within(TimeSpan.FromSeconds(60));
        var runner = (MigrationRunner)host.Services.GetService(typeof(MigrationRunner))!;
        var applied = await runner.ApplyAsync(CancellationToken.None).Within();
        Assert.Empty(applied);
    }

    [Fact]
    public async Task DefaultQuotaChanged_TenantsWithoutOverrideFollow_OverridesKept()
    {
        await using (var first = await PlatformTestHost.StartAsync(_database.ConnectionString).Within(TimeSpan.FromSeconds(60)))
        {
            using var admin = first.CreateClient(first.AdminKey);
            (await admin.PostAsJsonAsync("/v1/tenants", new { name = "follower" }).Within()).Dispose();
            (await admin.PostAsJsonAsync("/v1/tenants", new { name = "pinned", quotas = new { maxFuel = 42 } }).Within()).Dispose();
        }

        await using var second = await PlatformTestHost.StartAsync(_database.ConnectionString, new Dictionary<string, string?>
        {
            ["Platform:DefaultQuotas:MaxFuel"] = "777",
            ["Platform:DefaultQuotas:MaxFunctions"] = "9",
        }).Within(TimeSpan.FromSeconds(60));
        using var client = second.CreateClient(second.AdminKey);
        var follower = await client.GetStringAsync("/v1/tenants/follower").Within();
        Assert.Contains("\"maxFuel\":777", follower);
        Assert.Contains("\"maxFunctions\":9", follower);
        var pinned = await client.GetStringAsync("/v1/tenants/pinned").Within();
        Assert.Contains("\"maxFuel\":42", pinned);
        Assert.Contains("\"maxFunctions\":9", pinned);
    }

    [Theory]
    [InlineData("Platform:AdminKey", null, "Platform:AdminKey")]
    [InlineData("Platform:AdminKey", "short", "Platform:AdminKey")]
    [InlineData("ConnectionStrings:Platform", null, "ConnectionStrings:Platform")]
    [InlineData("Platform:RestUrl", "https://127.0.0.1:0", "Platform:RestUrl")]
    [InlineData("Platform:GrpcUrl", "http://example.com:8081", "Platform:GrpcUrl")]
    [InlineData("Platform:ClusterUrl", "http://example.com:8082", "Platform:ClusterUrl")]
    [InlineData("Platform:DefaultQuotas:MaxMemoryMb", "0", "Platform:DefaultQuotas:MaxMemoryMb")]
    [InlineData("Platform:Database:MaxRetryAttempts", "-1", "Platform:Database:MaxRetryAttempts")]
    public async Task Start_InvalidConfiguration_RefusesNamingTheKey(string key, string? value, string named)
    {
        var settings = new Dictionary<string, string?> { [key] = value };
        var connectionString = key == "ConnectionStrings:Platform" ? "" : _database.ConnectionString;
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(async () =>
        {
            await using var app = PlatformTestHost.Build(connectionString, settings);
            await app.StartAsync().Within();
        });
        Assert.Contains(named, ex.Message);
    }

    [Theory]
    [InlineData("Platform:AdminKey", "CHANGE-ME-admin-key-placeholder-0000")]
    [InlineData("Platform:AdminKey", "change-me-admin-key-0123456789")]
    [InlineData("Platform:AdminKey", "0123456789abcdef0123456789abcde")]
    [InlineData("Platform:ClusterToken", "CHANGE-ME-cluster-token-placeholder-0000")]
    [InlineData("Platform:ClusterToken", "change-me-cluster-token-0123456789")]
    [InlineData("Platform:ClusterToken", "0123456789abcdef")]
    public async Task Start_PlaceholderOrShortSecret_RefusesNamingTheKeyAndTheFix(string key, string value)
    {
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(async () =>
        {
            await using var app = PlatformTestHost.Build(_database.ConnectionString, new Dictionary<string, string?> { [key] = value });
            await app.StartAsync().Within();
        });
        Assert.Contains(key, ex.Message);
        Assert.Contains("openssl rand -hex 32", ex.Message);
    }

    [Theory]
    [InlineData("workers")]
    [InlineData("controlplane")]
    [InlineData("both")]
    public void Build_UnknownRole_RefusesWithMessage(string role)
    {
        var ex = Assert.Throws<ServerConfigurationException>(() => PlatformTestHost.Build(_database.ConnectionString, new Dictionary<string, string?> { ["role"] = role }));
        Assert.Contains("unknown role", ex.Message);
        Assert.Contains($"'{role}'", ex.Message);
        Assert.Contains("control-plane", ex.Message);
    }

    [Fact]
    public async Task DatabaseOutage_Returns503Unavailable_ThenRecovers()
    {
        var target = new NpgsqlConnectionStringBuilder(_database.ConnectionString);
        await using var proxy = new TcpProxy(target.Host!, target.Port);
        var viaProxy = new NpgsqlConnectionStringBuilder(_database.ConnectionString) { Port = proxy.Port, Timeout = 3 }.ConnectionString;
        await using var host = await PlatformTestHost.StartAsync(viaProxy).Within(TimeSpan.FromSeconds(60));
        using var admin = host.CreateClient(host.AdminKey);
        using var created = await admin.PostAsJsonAsync("/v1/tenants", new { name = "outage" }).Within();
        var key = (await created.Content.ReadFromJsonAsync<CreatedTenant>().Within())!.ApiKey;
        using var tenant = host.CreateClient(key);
        var grpc = new V1.FunctionService.FunctionServiceClient(host.Channel);

        proxy.Block();

        using (var response = await tenant.PutAsync("/v1/functions/fn", new StringContent(Modules.Hello)).Within())
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Contains("\"code\":\"UNAVAILABLE\"", await response.Content.ReadAsStringAsync().Within());
        }

        using (var response = await admin.GetAsync("/v1/tenants").Within())
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        using (var ready = await host.CreateClient().GetAsync("/readyz").Within())
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        using (var live = await host.CreateClient().GetAsync("/healthz").Within())
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        var rpc = await Assert.ThrowsAsync<RpcException>(() => grpc.ListFunctionsAsync(new V1.ListFunctionsRequest(), PlatformTestHost.Bearer(key)).ResponseAsync.Within());
        Assert.Equal(StatusCode.Unavailable, rpc.StatusCode);
        Assert.Equal("UNAVAILABLE", GrpcApiTests.ErrorInfo(rpc).Reason);
        var health = await new global::Grpc.Health.V1.Health.HealthClient(host.Channel)
            .CheckAsync(new global::Grpc.Health.V1.HealthCheckRequest(), deadline: TestTimeouts.Deadline()).ResponseAsync.Within();
        Assert.Equal(global::Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.NotServing, health.Status);
        // Three units of work failed after their retries: database calls now fail fast, and operators see it.
        Assert.Matches("""(?m)^platform_database_circuit_open(\{[^}]*\})? 1$""", await MetricsAsync(host));

        proxy.Unblock();

        // The database circuit opened during the outage: calls fail fast until its break (2 s)
        // ends and a trial call finds the database again.
        var recoveredWithin = System.Diagnostics.Stopwatch.StartNew();
        HttpStatusCode status;
        do
        {
            using var recovered = await tenant.PutAsync("/v1/functions/fn", new StringContent(Modules.Hello)).Within();
            status = recovered.StatusCode;
            if (status != HttpStatusCode.Created) await Task.Delay(100);
        }
        while (status == HttpStatusCode.ServiceUnavailable && recoveredWithin.Elapsed < TimeSpan.FromSeconds(10));
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.True(recoveredWithin.Elapsed < TimeSpan.FromSeconds(5), $"uploads recovered after {recoveredWithin.Elapsed}");
        var versions = await _database.ScalarAsync<long>("SELECT count(*) FROM function_versions");
        Assert.Equal(1, versions);
        Assert.Matches("""(?m)^platform_database_circuit_open(\{[^}]*\})? 0$""", await MetricsAsync(host));
        using var readyAgain = await host.CreateClient().GetAsync("/readyz").Within();
        Assert.Equal(HttpStatusCode.OK, readyAgain.StatusCode);
    }

    [Fact]
    public async Task Start_DatabaseUnreachable_FailsAfterStartupTimeout()
    {
        var target = new NpgsqlConnectionStringBuilder(_database.ConnectionString);
        await using var proxy = new TcpProxy(target.Host!, target.Port);
        proxy.Block();
        var viaProxy = new NpgsqlConnectionStringBuilder(_database.ConnectionString) { Port = proxy.Port, Timeout = 2 }.ConnectionString;
        await using var app = PlatformTestHost.Build(viaProxy, new Dictionary<string, string?> { ["Platform:Database:StartupTimeout"] = "00:00:01" });
        var ex = await Assert.ThrowsAnyAsync<Exception>(() => app.StartAsync().Within());
        Assert.True(DbErrors.IsTransient(ex), ex.ToString());
    }

    private sealed record CreatedTenant(string Name, string ApiKey);

    private sealed record Deployed(string Name, int Version, string Sha256);

    private static async Task<string> MetricsAsync(PlatformTestHost host)
    {
        using var scraper = host.CreateMetricsClient();
        using var scrape = await scraper.GetAsync("/metrics").Within();
        Assert.Equal(HttpStatusCode.OK, scrape.StatusCode);
        return await scrape.Content.ReadAsStringAsync().Within();
    }
}
