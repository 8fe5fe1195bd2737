using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Platform.ControlPlane.Modules;

namespace Platform.ControlPlane.Tests;

/// <summary>Modules no version references are collected; never one an acknowledged version needs.</summary>
public sealed class ModuleCollectionTests(PostgresFixture postgres) : ControlPlaneTest(postgres)
{
    // The background collection is off: each test collects when it wants to.
    protected override IReadOnlyDictionary<string, string?> HostSettings => new Dictionary<string, string?>
    {
        ["Platform:ModuleCollection:Interval"] = "00:00:00",
        ["Platform:ModuleCollection:BatchSize"] = "2",
    };

    private ModuleCollector Collector => Host.Services.GetRequiredService<ModuleCollector>();

    [Fact]
    public async Task Collect_AfterVersionFunctionAndTenantDeletes_DeletesUnreferencedKeepsReferenced()
    {
        var (tenantA, keyA) = await CreateTenantAsync();
        var (tenantB, keyB) = await CreateTenantAsync();
        using var clientA = Host.CreateClient(keyA);
        var onlyOldVersion = (await DeployAsync(keyA, "fn", Modules.Numbered(1)))["sha256"]!.GetValue<string>();
        var current = (await DeployAsync(keyA, "fn", Modules.Numbered(2)))["sha256"]!.GetValue<string>();
        var deletedFunction = (await DeployAsync(keyA, "temp", Modules.Numbered(3)))["sha256"]!.GetValue<string>();
        var shared = (await DeployAsync(keyA, "shared", Modules.Numbered(4)))["sha256"]!.GetValue<string>();
        Assert.Equal(shared, (await DeployAsync(keyB, "shared", Modules.Numbered(4)))["sha256"]!.GetValue<string>());
        var onlyB = (await DeployAsync(keyB, "own", Modules.Numbered(5)))["sha256"]!.GetValue<string>();

        Assert.Empty(await Collector.CollectAsync(CancellationToken.None).Within());

        using (var deleted = await clientA.DeleteAsync("/v1/functions/fn/versions/1").Within())
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        using (var deleted = await clientA.DeleteAsync("/v1/functions/temp").Within())
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        using (var deleted = await Admin.DeleteAsync($"/v1/tenants/{tenantB}").Within())
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);

        var collected = await Collector.CollectAsync(CancellationToken.None).Within();
        Assert.Equal(new[] { onlyOldVersion, deletedFunction, onlyB }.Order(StringComparer.Ordinal), collected.Order(StringComparer.Ordinal));
        Assert.Equal(new[] { current, shared }.Order(StringComparer.Ordinal), await ModulesAsync());

        // What is left still downloads.
        using (var download = await clientA.GetAsync("/v1/functions/shared/versions/latest/module").Within())
        {
            Assert.Equal(HttpStatusCode.OK, download.StatusCode);
            Assert.Equal(shared, Sha256Hex(await download.Content.ReadAsByteArrayAsync().Within()));
        }

        using (var deleted = await Admin.DeleteAsync($"/v1/tenants/{tenantA}").Within())
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal(2, (await Collector.CollectAsync(CancellationToken.None).Within()).Count);
        Assert.Empty(await ModulesAsync());
    }

    [Fact]
    public async Task Collect_RacingUploadsOfTheSameBytes_NeverLosesAnAcknowledgedVersionsModule()
    {
        var (_, key) = await CreateTenantAsync();
        using var client = Host.CreateClient(key);
        for (var round = 0; round < 15; round++)
        {
            // The bytes exist as an unreferenced module: exactly what the collector looks for.
            var wat = Modules.Numbered(1000 + round);
            var sha = (await DeployAsync(key, "scratch", wat))["sha256"]!.GetValue<string>();
            using (var deleted = await client.DeleteAsync("/v1/functions/scratch").Within())
                Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);

            using var start = new SemaphoreSlim(0);
            var upload = Task.Run(async () =>
            {
                await start.WaitAsync();
                using var response = await client.PutAsync($"/v1/functions/racer-{round}", Wat(wat));
                return (await ReadJsonAsync(response, HttpStatusCode.Created))["sha256"]!.GetValue<string>();
            });
            var collect = Task.Run(async () =>
            {
                await start.WaitAsync();
                return await Collector.CollectAsync(CancellationToken.None);
            });
            start.Release(2);
            Assert.Equal(sha, await upload.Within());
            await collect.Within();

            // The acknowledged version's module is there, whichever won.
            Assert.Equal(1L, await Database.ScalarAsync<long>($"SELECT count(*) FROM modules WHERE sha256 = '{sha}'").Within());
            using var download = await client.GetAsync($"/v1/functions/racer-{round}/versions/1/module").Within();
            Assert.Equal(HttpStatusCode.OK, download.StatusCode);
            Assert.Equal(sha, Sha256Hex(await download.Content.ReadAsByteArrayAsync().Within()));
            Assert.Empty(await Collector.CollectAsync(CancellationToken.None).Within());
        }
    }

    [Fact]
    public async Task Collect_ModuleLockedByAnUploadInFlight_SkippedThenCollected()
    {
        var (_, key) = await CreateTenantAsync();
        using var client = Host.CreateClient(key);
        var sha = (await DeployAsync(key, "scratch", Modules.Numbered(7)))["sha256"]!.GetValue<string>();
        using (var deleted = await client.DeleteAsync("/v1/functions/scratch").Within())
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);

        // What an upload of these bytes holds between finding the module row and committing its version.
        await using (var upload = new Npgsql.NpgsqlConnection(Database.ConnectionString))
        {
            await upload.OpenAsync().Within();
            await using var transaction = await upload.BeginTransactionAsync().Within();
            await using (var command = new Npgsql.NpgsqlCommand(ModuleLocks.TakeShared, upload, transaction))
            {
                command.Parameters.AddWithValue("space", ModuleLocks.Space);
                command.Parameters.AddWithValue("key", ModuleLocks.Key(sha));
                await command.ExecuteNonQueryAsync().Within();
            }

            Assert.Empty(await Collector.CollectAsync(CancellationToken.None).Within());
            Assert.Equal(1L, await Database.ScalarAsync<long>($"SELECT count(*) FROM modules WHERE sha256 = '{sha}'").Within());
        }

        Assert.Equal([sha], await Collector.CollectAsync(CancellationToken.None).Within());
        Assert.Empty(await ModulesAsync());
    }

    private async Task<string[]> ModulesAsync()
    {
        var joined = await Database.ScalarAsync<string>("SELECT coalesce(string_agg(sha256, ',' ORDER BY sha256), '') FROM modules").Within();
        return string.IsNullOrEmpty(joined) ? [] : joined.Split(',');
    }
}
