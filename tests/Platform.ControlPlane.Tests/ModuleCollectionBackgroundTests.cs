using System.Net;

namespace Platform.ControlPlane.Tests;

/// <summary>The collector runs by itself every <c>Platform:ModuleCollection:Interval</c>.</summary>
public sealed class ModuleCollectionBackgroundTests(PostgresFixture postgres) : ControlPlaneTest(postgres)
{
    protected override IReadOnlyDictionary<string, string?> HostSettings => new Dictionary<string, string?>
    {
        ["Platform:ModuleCollection:Interval"] = "00:00:00.200",
    };

    [Fact]
    public async Task BackgroundCollection_FunctionDeleted_ItsModuleGoesTheOtherStays()
    {
        var (_, key) = await CreateTenantAsync();
        using var client = Host.CreateClient(key);
        var kept = (await DeployAsync(key, "kept", Modules.Numbered(1)))["sha256"]!.GetValue<string>();
        var dropped = (await DeployAsync(key, "dropped", Modules.Numbered(2)))["sha256"]!.GetValue<string>();
        using (var deleted = await client.DeleteAsync("/v1/functions/dropped").Within())
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);

        await Eventually.WaitForAsync(
            async () => await Database.ScalarAsync<long>($"SELECT count(*) FROM modules WHERE sha256 = '{dropped}'").Within() == 0,
            TimeSpan.FromSeconds(20),
            "the module of the deleted function to be collected");

        Assert.Equal(1L, await Database.ScalarAsync<long>($"SELECT count(*) FROM modules WHERE sha256 = '{kept}'").Within());
    }
}
