using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Platform.ControlPlane.Functions;
using Platform.ControlPlane.Invocation;
using Platform.ControlPlane.Quotas;
using Platform.Testing.Assets;

namespace Platform.ControlPlane.Tests;

/// <summary>A version's bundle and scratch limit travel with its invocations to the worker.</summary>
[Collection(PostgresCollection.Name)]
public sealed class AssetInvokeTests(PostgresFixture postgres)
{
    [Fact]
    public async Task Invoke_VersionWithAssets_WorkerFetchesTheBundleOnceAndRuns()
    {
        await using var database = await postgres.CreateDatabaseAsync().Within();
        await using var cluster = await InvokeCluster.StartAsync(database.ConnectionString);
        var (_, key) = await cluster.CreateTenantAsync();
        using var client = cluster.ControlPlane.CreateClient(key);
        using var form = ApiCalls.ModuleForm(new StringContent(GuestWat.Echo, Encoding.UTF8, "text/plain"), "echo.wat", """{"scratch":{"maxBytes":65536}}""");
        var archive = new ByteArrayContent(HostileTars.Gzip(HostileTars.Tar(w => w.File("data/hello.txt", "hello"))));
        archive.Headers.ContentType = new MediaTypeHeaderValue("application/gzip");
        form.Add(archive, "assets", "assets.tar.gz");
        var deployed = await ApiCalls.DeployAsync(client, "echo", form);
        var sha256 = deployed["assets"]!["sha256"]!.GetValue<string>();

        var first = await cluster.InvokeAsync(key, "echo", "one");
        var second = await cluster.InvokeAsync(key, "echo", "two");

        Assert.Equal((HttpStatusCode.OK, "one"), (first.Status, first.Body));
        Assert.Equal((HttpStatusCode.OK, "two"), (second.Status, second.Body));
        Assert.True(File.Exists(Path.Combine(cluster.WorkerCacheDir, "assets", sha256 + ".tar")), "the worker holds the bundle it fetched");
    }

    [Fact]
    public void Limits_ScratchFromTheVersion_HeldToTodaysQuota()
    {
        var quotas = new QuotaSet(MaxScratchBytes: 4096).Over(new QuotaDefaults().ToEffective());

        Assert.Equal(0, InvocationRouter.Limits(FunctionConfig.Empty, quotas).ScratchMaxBytes);
        Assert.Equal(1024, InvocationRouter.Limits(FunctionConfig.Empty with { Scratch = new ScratchConfig(1024) }, quotas).ScratchMaxBytes);
        Assert.Equal(4096, InvocationRouter.Limits(FunctionConfig.Empty with { Scratch = new ScratchConfig(1 << 20) }, quotas).ScratchMaxBytes);
    }
}
