using System.Net;
using Grpc.Core;
using V1 = Platform.Contracts.V1;

namespace Platform.ControlPlane.Tests;

/// <summary>The caps on versions and aliases per function and on stored module bytes, and deleting a version.</summary>
public sealed class QuotaCapTests(PostgresFixture postgres) : ControlPlaneTest(postgres)
{
    [Fact]
    public async Task Deploy_VersionCapReached_RefusedAtBoundaryAndFreedByDeletingAVersion()
    {
        var (_, key) = await CreateTenantAsync(quotas: new { maxVersionsPerFunction = 3 });
        using var client = Host.CreateClient(key);
        for (var i = 1; i <= 3; i++)
            Assert.Equal(i, (await DeployAsync(key, "capped", Modules.Numbered(i)))["version"]!.GetValue<int>());

        using (var refused = await client.PutAsync("/v1/functions/capped", Wat(Modules.Numbered(4))).Within())
        {
            var problem = await AssertProblemAsync(refused, HttpStatusCode.Forbidden, "QUOTA_EXCEEDED", "maxVersionsPerFunction");
            Assert.Contains("3", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        }

        using (var deleted = await client.DeleteAsync("/v1/functions/capped/versions/1").Within())
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        // Version numbers are never reused.
        Assert.Equal(4, (await DeployAsync(key, "capped", Modules.Numbered(4)))["version"]!.GetValue<int>());
        using var get = await client.GetAsync("/v1/functions/capped").Within();
        Assert.Equal([2, 3, 4], (await ReadJsonAsync(get, HttpStatusCode.OK))["versions"]!.AsArray().Select(v => v!["version"]!.GetValue<int>()));
        using var gone = await client.GetAsync("/v1/functions/capped/versions/1/module").Within();
        await AssertProblemAsync(gone, HttpStatusCode.NotFound, "NOT_FOUND");
    }

    [Fact]
    public async Task DeleteVersion_AliasPointsAtIt_FailedPreconditionUntilMoved()
    {
        var (_, key) = await CreateTenantAsync();
        using var client = Host.CreateClient(key);
        await DeployAsync(key, "fn", Modules.Numbered(1));
        await DeployAsync(key, "fn", Modules.Numbered(2));
        using (var set = await client.PutAsync("/v1/functions/fn/aliases/prod", Json(new { version = 1 })).Within())
            await ReadJsonAsync(set, HttpStatusCode.OK);

        using (var latest = await client.DeleteAsync("/v1/functions/fn/versions/2").Within())
        {
            var problem = await AssertProblemAsync(latest, HttpStatusCode.Conflict, "FAILED_PRECONDITION", "version");
            Assert.Contains("'latest'", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        }

        using (var prod = await client.DeleteAsync("/v1/functions/fn/versions/1").Within())
        {
            var problem = await AssertProblemAsync(prod, HttpStatusCode.Conflict, "FAILED_PRECONDITION", "version");
            Assert.Contains("'prod'", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        }

        using (var moved = await client.PutAsync("/v1/functions/fn/aliases/prod", Json(new { version = 2 })).Within())
            await ReadJsonAsync(moved, HttpStatusCode.OK);
        using (var deleted = await client.DeleteAsync("/v1/functions/fn/versions/1").Within())
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        using (var again = await client.DeleteAsync("/v1/functions/fn/versions/1").Within())
            await AssertProblemAsync(again, HttpStatusCode.NotFound, "NOT_FOUND");
        using (var byAlias = await client.DeleteAsync("/v1/functions/fn/versions/prod").Within())
            await AssertProblemAsync(byAlias, HttpStatusCode.BadRequest, "INVALID_ARGUMENT", "version");
    }

    [Fact]
    public async Task DeleteVersion_OtherTenantsFunction_NotFound()
    {
        var (_, keyA) = await CreateTenantAsync();
        var (_, keyB) = await CreateTenantAsync();
        await DeployAsync(keyA, "mine", Modules.Numbered(1));
        await DeployAsync(keyA, "mine", Modules.Numbered(2));
        using var intruder = Host.CreateClient(keyB);
        using var response = await intruder.DeleteAsync("/v1/functions/mine/versions/1").Within();
        await AssertProblemAsync(response, HttpStatusCode.NotFound, "NOT_FOUND");
        Assert.Equal(2L, await Database.ScalarAsync<long>("SELECT count(*) FROM function_versions").Within());
    }

    [Fact]
    public async Task SetAlias_AliasCapReached_NewRefusedExistingMoves()
    {
        var (_, key) = await CreateTenantAsync(quotas: new { maxAliasesPerFunction = 2 });
        using var client = Host.CreateClient(key);
        await DeployAsync(key, "fn", Modules.Numbered(1));
        await DeployAsync(key, "fn", Modules.Numbered(2));
        foreach (var alias in new[] { "a", "b" })
        {
            using var set = await client.PutAsync($"/v1/functions/fn/aliases/{alias}", Json(new { version = 1 })).Within();
            await ReadJsonAsync(set, HttpStatusCode.OK);
        }

        using (var third = await client.PutAsync("/v1/functions/fn/aliases/c", Json(new { version = 1 })).Within())
            await AssertProblemAsync(third, HttpStatusCode.Forbidden, "QUOTA_EXCEEDED", "maxAliasesPerFunction");
        using (var move = await client.PutAsync("/v1/functions/fn/aliases/b", Json(new { version = 2 })).Within())
            Assert.Equal(2, (await ReadJsonAsync(move, HttpStatusCode.OK))["version"]!.GetValue<int>());
        // `latest` is the platform's and not counted: a deploy still moves it.
        Assert.Equal(3, (await DeployAsync(key, "fn", Modules.Numbered(3)))["version"]!.GetValue<int>());
        Assert.Equal(3L, await Database.ScalarAsync<long>("SELECT count(*) FROM function_aliases").Within());
    }

    [Fact]
    public async Task Deploy_StoredBytesCap_ExactFitAcceptedOneModuleMoreRefusedSharedBytesFree()
    {
        var (tenant, key) = await CreateTenantAsync();
        using var client = Host.CreateClient(key);
        var size = (await DeployAsync(key, "one", Modules.Numbered(1)))["sizeBytes"]!.GetValue<long>();
        using (var quotas = await Admin.PutAsync($"/v1/tenants/{tenant}/quotas", Json(new { maxStoredBytes = 2 * size })).Within())
            await ReadJsonAsync(quotas, HttpStatusCode.OK);

        Assert.Equal(size, (await DeployAsync(key, "two", Modules.Numbered(2)))["sizeBytes"]!.GetValue<long>());
        using (var refused = await client.PutAsync("/v1/functions/three", Wat(Modules.Numbered(3))).Within())
            await AssertProblemAsync(refused, HttpStatusCode.Forbidden, "QUOTA_EXCEEDED", "maxStoredBytes");
        // Bytes the tenant already stores cost nothing more, in any function.
        await DeployAsync(key, "three", Modules.Numbered(1));
        await DeployAsync(key, "two", Modules.Numbered(1));
        Assert.Equal(2L, await Database.ScalarAsync<long>("SELECT count(*) FROM functions WHERE name IN ('two', 'three')").Within());
    }

    [Fact]
    public async Task ConcurrentUploads_AtVersionAndStoredBytesCaps_NeverMoreThanTheCapPass()
    {
        var (tenant, key) = await CreateTenantAsync(quotas: new { maxVersionsPerFunction = 4 });
        using var client = Host.CreateClient(key);
        var versions = await UploadAllAsync(client, Enumerable.Range(0, 12).Select(i => ("hot", Modules.Numbered(100 + i))));
        Assert.Equal(4, versions.Count(s => s == HttpStatusCode.Created));
        Assert.Equal(8, versions.Count(s => s == HttpStatusCode.Forbidden));
        Assert.Equal(4L, await Database.ScalarAsync<long>("SELECT count(*) FROM function_versions").Within());

        var size = await Database.ScalarAsync<long>("SELECT max(size_bytes) FROM modules").Within();
        using (var quotas = await Admin.PutAsync($"/v1/tenants/{tenant}/quotas", Json(new { maxStoredBytes = 6 * size })).Within())
            await ReadJsonAsync(quotas, HttpStatusCode.OK);
        var bytes = await UploadAllAsync(client, Enumerable.Range(0, 10).Select(i => ($"fn-{i}", Modules.Numbered(200 + i))));
        Assert.Equal(2, bytes.Count(s => s == HttpStatusCode.Created));
        Assert.Equal(8, bytes.Count(s => s == HttpStatusCode.Forbidden));
        Assert.Equal(6 * size, await Database.ScalarAsync<long>("SELECT sum(size_bytes)::bigint FROM modules").Within());
    }

    [Fact]
    public async Task Grpc_NewQuotasAndDeleteVersion_SameRulesAsRest()
    {
        var tenants = new V1.TenantService.TenantServiceClient(Host.Channel);
        var created = await tenants.CreateTenantAsync(
            new V1.CreateTenantRequest { Name = "grpc-caps", Quotas = new V1.Quotas { MaxVersionsPerFunction = 2, ManagementBurst = 50 } },
            PlatformTestHost.Bearer(Host.AdminKey)).ResponseAsync.Within();
        Assert.Equal(2, created.Tenant.Quotas.MaxVersionsPerFunction);
        Assert.Equal(20, created.Tenant.Quotas.MaxAliasesPerFunction);
        Assert.Equal(256L << 20, created.Tenant.Quotas.MaxStoredBytes);
        Assert.Equal(20, created.Tenant.Quotas.ManagementCallsPerSecond);
        Assert.Equal(50, created.Tenant.Quotas.ManagementBurst);
        Assert.False(created.Tenant.QuotaOverrides.HasMaxStoredBytes);
        Assert.True(created.Tenant.QuotaOverrides.HasMaxVersionsPerFunction);

        var key = created.ApiKey.Secret;
        await DeployAsync(key, "fn", Modules.Numbered(1));
        await DeployAsync(key, "fn", Modules.Numbered(2));
        var functions = new V1.FunctionService.FunctionServiceClient(Host.Channel);
        var call = PlatformTestHost.Bearer(key);
        var inUse = await Assert.ThrowsAsync<RpcException>(() => functions.DeleteVersionAsync(new V1.DeleteVersionRequest { Name = "fn", Version = 2 }, call).ResponseAsync.Within());
        Assert.Equal(StatusCode.FailedPrecondition, inUse.StatusCode);
        Assert.Equal("FAILED_PRECONDITION", GrpcApiTests.ErrorInfo(inUse).Reason);
        await functions.DeleteVersionAsync(new V1.DeleteVersionRequest { Name = "fn", Version = 1 }, call).ResponseAsync.Within();
        var function = await functions.GetFunctionAsync(new V1.GetFunctionRequest { Name = "fn" }, call).ResponseAsync.Within();
        Assert.Equal([2], function.Versions.Select(v => v.Version));

        using var client = Host.CreateClient(key);
        await DeployAsync(key, "fn", Modules.Numbered(3));
        using var refused = await client.PutAsync("/v1/functions/fn", Wat(Modules.Numbered(4))).Within();
        await AssertProblemAsync(refused, HttpStatusCode.Forbidden, "QUOTA_EXCEEDED", "maxVersionsPerFunction");
    }

    [Theory]
    [InlineData("maxVersionsPerFunction", 0)]
    [InlineData("maxVersionsPerFunction", 100001)]
    [InlineData("maxAliasesPerFunction", 1001)]
    [InlineData("maxStoredBytes", -1)]
    [InlineData("managementCallsPerSecond", 0)]
    [InlineData("managementBurst", 0)]
    public async Task SetQuotas_NewQuotaOutOfBounds_InvalidArgumentNamingIt(string quota, long value)
    {
        var (tenant, _) = await CreateTenantAsync();
        using var response = await Admin.PutAsync($"/v1/tenants/{tenant}/quotas", Json($"{{\"{quota}\":{value}}}")).Within();
        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "INVALID_ARGUMENT", $"quotas.{quota}");
    }

    private static async Task<HttpStatusCode[]> UploadAllAsync(HttpClient client, IEnumerable<(string Name, string Wat)> uploads)
    {
        using var start = new SemaphoreSlim(0);
        var tasks = uploads.Select(async u =>
        {
            await start.WaitAsync();
            using var response = await client.PutAsync($"/v1/functions/{u.Name}", Wat(u.Wat));
            return response.StatusCode;
        }).ToList();
        start.Release(tasks.Count);
        return await Task.WhenAll(tasks).Within(TimeSpan.FromSeconds(60));
    }
}
