using System.Net;

namespace Platform.ControlPlane.Tests;

public sealed class ConcurrencyTests(PostgresFixture postgres) : ControlPlaneTest(postgres)
{
    [Fact]
    public async Task TwentyConcurrentUploads_OneName_GetVersions1To20NoneLost()
    {
        var (_, key) = await CreateTenantAsync();
        using var client = Host.CreateClient(key);
        using var start = new SemaphoreSlim(0);
        var uploads = Enumerable.Range(0, 20).Select(async i =>
        {
            await start.WaitAsync();
            using var response = await client.PutAsync("/v1/functions/hot", Wat(Modules.Numbered(i)));
            var body = await ReadJsonAsync(response, HttpStatusCode.Created);
            return (Version: body["version"]!.GetValue<int>(), Sha: body["sha256"]!.GetValue<string>());
        }).ToList();
        start.Release(20);
        var results = await Task.WhenAll(uploads).Within(TimeSpan.FromSeconds(60));

        Assert.Equal(Enumerable.Range(1, 20), results.Select(r => r.Version).Order());
        Assert.Equal(20, results.Select(r => r.Sha).Distinct().Count());

        using var get = await client.GetAsync("/v1/functions/hot").Within();
        var details = await ReadJsonAsync(get, HttpStatusCode.OK);
        Assert.Equal(20, details["latestVersion"]!.GetValue<int>());
        Assert.Equal(20, details["aliases"]!["latest"]!.GetValue<int>());
        var stored = details["versions"]!.AsArray().ToDictionary(v => v!["version"]!.GetValue<int>(), v => v!["sha256"]!.GetValue<string>());
        foreach (var (version, sha) in results)
            Assert.Equal(sha, stored[version]);
    }

    [Fact]
    public async Task ConcurrentNewFunctions_FunctionCountQuotaHolds()
    {
        var (_, key) = await CreateTenantAsync(quotas: new { maxFunctions = 3 });
        using var client = Host.CreateClient(key);
        var uploads = Enumerable.Range(0, 8).Select(async i =>
        {
            using var response = await client.PutAsync($"/v1/functions/fn-{i}", Wat(Modules.Hello));
            return response.StatusCode;
        });
        var statuses = await Task.WhenAll(uploads).Within(TimeSpan.FromSeconds(60));
        Assert.Equal(3, statuses.Count(s => s == HttpStatusCode.Created));
        Assert.Equal(5, statuses.Count(s => s == HttpStatusCode.Forbidden));
        Assert.Equal(3L, await Database.ScalarAsync<long>("SELECT count(*) FROM functions").Within());
    }
}
