using System.Formats.Tar;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;
using Platform.ControlPlane.Modules;
using Platform.Runtime.Files;
using Platform.Testing.Assets;
using V1 = Platform.Contracts.V1;

namespace Platform.ControlPlane.Tests;

/// <summary>Asset bundles and scratch limits on deploy: validation, quotas, storage, collection, isolation.</summary>
public sealed class AssetApiTests(PostgresFixture postgres) : ControlPlaneTest(postgres)
{
    protected override IReadOnlyDictionary<string, string?> HostSettings => new Dictionary<string, string?>
    {
        ["Platform:ModuleCollection:Interval"] = "00:00:00",
    };

    private static readonly byte[] Site = HostileTars.Tar(w =>
    {
        w.Entry(TarEntryType.Directory, "data/");
        w.File("data/hello.txt", "hello from a file\n");
        w.File("templates/page.html", "<p>{{name}}</p>");
    });

    private static MultipartFormDataContent Form(byte[]? assets, string? configJson = null, string module = Modules.Hello)
    {
        var form = Multipart(module, configJson);
        if (assets is not null)
        {
            var part = new ByteArrayContent(assets);
            part.Headers.ContentType = new MediaTypeHeaderValue("application/x-tar");
            form.Add(part, "assets", "assets.tar");
        }

        return form;
    }

    private async Task<HttpResponseMessage> PutAsync(string key, string name, HttpContent content)
    {
        using var client = Host.CreateClient(key);
        return await client.PutAsync($"/v1/functions/{name}", content).Within(TimeSpan.FromSeconds(60));
    }

    private async Task<JsonObject> DeployAsync(string key, string name, byte[]? assets, string? configJson = null, string module = Modules.Hello)
    {
        using var response = await PutAsync(key, name, Form(assets, configJson, module));
        return await ReadJsonAsync(response, HttpStatusCode.Created);
    }

    private static async Task<string> CanonicalSha256(byte[] archive)
    {
        var bundle = await AssetArchive.ReadAsync(new MemoryStream(archive), AssetLimits.Trusted, CancellationToken.None);
        return Convert.ToHexStringLower(SHA256.HashData(AssetArchive.Pack(bundle)));
    }

    private async Task<long> AssetRowsAsync() => await Database.ScalarAsync<long>("SELECT count(*) FROM assets").Within();

    [Fact]
    public async Task Deploy_WithAssetsAndScratch_VersionShowsTheBundleAndTheLimit()
    {
        var (_, key) = await CreateTenantAsync();
        var expected = await CanonicalSha256(Site);

        var deployed = await DeployAsync(key, "site", Site, """{"scratch":{"maxBytes":1048576}}""");

        var assets = deployed["assets"]!.AsObject();
        Assert.Equal(expected, assets["sha256"]!.GetValue<string>());
        Assert.Equal(33, assets["bytes"]!.GetValue<long>());
        Assert.Equal(2, assets["files"]!.GetValue<int>());
        Assert.Equal(1048576, deployed["config"]!["scratch"]!["maxBytes"]!.GetValue<long>());

        using var client = Host.CreateClient(key);
        using var got = await client.GetAsync("/v1/functions/site").Within();
        var version = (await ReadJsonAsync(got, HttpStatusCode.OK))["versions"]![0]!;
        Assert.Equal(expected, version["assets"]!["sha256"]!.GetValue<string>());
        Assert.Equal(1048576, version["config"]!["scratch"]!["maxBytes"]!.GetValue<long>());
    }

    [Fact]
    public async Task Deploy_SameFilesAsTarAndTarGz_AreOneBundle()
    {
        var (_, key) = await CreateTenantAsync();
        var plain = await DeployAsync(key, "plain", Site);
        var compressed = await DeployAsync(key, "compressed", HostileTars.Gzip(Site));
        var reordered = await DeployAsync(key, "reordered", HostileTars.Tar(w =>
        {
            w.File("templates/page.html", "<p>{{name}}</p>");
            w.File("./data/hello.txt", "hello from a file\n");
        }));

        Assert.Equal(plain["assets"]!["sha256"]!.GetValue<string>(), compressed["assets"]!["sha256"]!.GetValue<string>());
        Assert.Equal(plain["assets"]!["sha256"]!.GetValue<string>(), reordered["assets"]!["sha256"]!.GetValue<string>());
        Assert.Equal(1L, await AssetRowsAsync());
    }

    [Fact]
    public async Task Deploy_WithoutAssets_HasNoAssetsMember()
    {
        var (_, key) = await CreateTenantAsync();

        var deployed = await DeployAsync(key, "plain", null);

        Assert.False(deployed.ContainsKey("assets"));
        Assert.Equal(0L, await AssetRowsAsync());
    }

    public static TheoryData<string> HostileArchives => new(HostileNames.Keys);

    private static readonly Dictionary<string, Func<byte[]>> HostileNames = new()
    {
        ["dot-dot"] = () => HostileTars.Tar(w => w.File("../escape.txt", "x")),
        ["absolute"] = () => HostileTars.Tar(w => w.File("/etc/cron.d/evil", "x")),
        ["symlink-to-etc-passwd"] = () => HostileTars.Tar(w => w.Entry(TarEntryType.SymbolicLink, "passwd", "/etc/passwd")),
        ["hardlink-out"] = () => HostileTars.Tar(w => w.Entry(TarEntryType.HardLink, "shadow", "../../etc/shadow")),
        ["char-device"] = () => HostileTars.Tar(w => w.Entry(TarEntryType.CharacterDevice, "dev/null")),
        ["fifo"] = () => HostileTars.Tar(w => w.Entry(TarEntryType.Fifo, "pipe")),
        ["duplicate"] = () => HostileTars.Tar(w => { w.File("a", "1"); w.File("a", "2"); }),
        ["truncated"] = () => HostileTars.Tar(w => w.File("big", new byte[10_000]))[..3000],
        ["garbage"] = () => Encoding.UTF8.GetBytes(new string('z', 5000)),
        ["empty"] = () => [],
    };

    [Theory]
    [MemberData(nameof(HostileArchives))]
    public async Task Deploy_HostileArchive_IsInvalidArgumentOnAssetsAndStoresNothing(string archive)
    {
        var (_, key) = await CreateTenantAsync();

        using var refused = await PutAsync(key, "evil", Form(HostileNames[archive]()));

        await AssertProblemAsync(refused, HttpStatusCode.BadRequest, "INVALID_ARGUMENT", "assets");
        Assert.Equal(0L, await AssetRowsAsync());
        Assert.Equal(0L, await Database.ScalarAsync<long>("SELECT count(*) FROM functions").Within());
    }

    [Fact]
    public async Task Deploy_TwentyThousandFiles_QuotaExceededOnMaxAssetFiles()
    {
        var (_, key) = await CreateTenantAsync();

        using var refused = await PutAsync(key, "many", Form(HostileTars.Gzip(HostileTars.Files(20_000))));

        var problem = await AssertProblemAsync(refused, HttpStatusCode.Forbidden, "QUOTA_EXCEEDED", "maxAssetFiles");
        Assert.Contains("16384", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(0L, await AssetRowsAsync());
    }

    [Fact]
    public async Task Deploy_TenThousandFiles_Accepted()
    {
        var (_, key) = await CreateTenantAsync();

        var deployed = await DeployAsync(key, "many", HostileTars.Gzip(HostileTars.Files(10_000)));

        Assert.Equal(10_000, deployed["assets"]!["files"]!.GetValue<int>());
    }

    [Fact]
    public async Task Deploy_GzipBombOfOneGibibyte_PayloadTooLargeWhileReading()
    {
        var (_, key) = await CreateTenantAsync();
        var bomb = HostileTars.GzipBomb(1L << 30);

        using var refused = await PutAsync(key, "bomb", Form(bomb));

        var problem = await AssertProblemAsync(refused, HttpStatusCode.RequestEntityTooLarge, "PAYLOAD_TOO_LARGE", "assets");
        Assert.Contains("maxAssetBytes", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(0L, await AssetRowsAsync());
    }

    [Fact]
    public async Task Deploy_PastTheTenantsAssetQuotas_Refused()
    {
        var (_, key) = await CreateTenantAsync(quotas: new { maxAssetBytes = 1000, maxAssetFiles = 3, maxScratchBytes = 4096 });

        using (var tooBig = await PutAsync(key, "big", Form(HostileTars.Tar(w => w.File("a.bin", new byte[1001])))))
            await AssertProblemAsync(tooBig, HttpStatusCode.RequestEntityTooLarge, "PAYLOAD_TOO_LARGE", "assets");
        using (var tooMany = await PutAsync(key, "many", Form(HostileTars.Tar(w => { for (var i = 0; i < 4; i++) w.File($"f{i}", "x"); }))))
            await AssertProblemAsync(tooMany, HttpStatusCode.Forbidden, "QUOTA_EXCEEDED", "maxAssetFiles");
        using (var scratch = await PutAsync(key, "scratchy", Form(null, """{"scratch":{"maxBytes":4097}}""")))
            await AssertProblemAsync(scratch, HttpStatusCode.Forbidden, "QUOTA_EXCEEDED", "maxScratchBytes");
        using (var negative = await PutAsync(key, "negative", Form(null, """{"scratch":{"maxBytes":-1}}""")))
            await AssertProblemAsync(negative, HttpStatusCode.BadRequest, "INVALID_ARGUMENT", "config.scratch.maxBytes");
        using (var missing = await PutAsync(key, "missing", Form(null, """{"scratch":{}}""")))
            await AssertProblemAsync(missing, HttpStatusCode.BadRequest, "INVALID_ARGUMENT", "config.scratch.maxBytes");

        // Exactly at the quotas is accepted.
        var fits = await DeployAsync(key, "fits", HostileTars.Tar(w => { w.File("a", new byte[998]); w.File("b", "xy"); }), """{"scratch":{"maxBytes":4096}}""");
        Assert.Equal(1000, fits["assets"]!["bytes"]!.GetValue<long>());
        Assert.Equal(4096, fits["config"]!["scratch"]!["maxBytes"]!.GetValue<long>());
    }

    [Fact]
    public async Task Quotas_AssetAndScratchQuotas_HaveDocumentedDefaultsAndValidation()
    {
        var (tenant, _) = await CreateTenantAsync();

        using var got = await Admin.GetAsync($"/v1/tenants/{tenant}").Within();
        var quotas = (await ReadJsonAsync(got, HttpStatusCode.OK))["quotas"]!;
        Assert.Equal(64L << 20, quotas["maxAssetBytes"]!.GetValue<long>());
        Assert.Equal(16_384, quotas["maxAssetFiles"]!.GetValue<int>());
        Assert.Equal(16L << 20, quotas["maxScratchBytes"]!.GetValue<long>());

        using (var zero = await Admin.PutAsync($"/v1/tenants/{tenant}/quotas", Json(new { maxAssetFiles = 0 })).Within())
            await AssertProblemAsync(zero, HttpStatusCode.BadRequest, "INVALID_ARGUMENT", "quotas.maxAssetFiles");
        using (var huge = await Admin.PutAsync($"/v1/tenants/{tenant}/quotas", Json(new { maxAssetBytes = 1L << 40 })).Within())
            await AssertProblemAsync(huge, HttpStatusCode.BadRequest, "INVALID_ARGUMENT", "quotas.maxAssetBytes");
        using (var set = await Admin.PutAsync($"/v1/tenants/{tenant}/quotas", Json(new { maxScratchBytes = 1 << 20 })).Within())
            Assert.Equal(1 << 20, (await ReadJsonAsync(set, HttpStatusCode.OK))["quotas"]!["maxScratchBytes"]!.GetValue<long>());
    }

    [Fact]
    public async Task Deploy_AssetsCountInStoredBytesOncePerTenant()
    {
        var (tenant, key) = await CreateTenantAsync();
        var first = await DeployAsync(key, "one", Site);
        var stored = await Database.ScalarAsync<long>("SELECT size_bytes FROM assets").Within();
        var module = first["sizeBytes"]!.GetValue<long>();
        using (var quotas = await Admin.PutAsync($"/v1/tenants/{tenant}/quotas", Json(new { maxStoredBytes = module + stored })).Within())
            await ReadJsonAsync(quotas, HttpStatusCode.OK);

        // The same module and bundle again cost nothing more.
        await DeployAsync(key, "two", HostileTars.Gzip(Site));
        // A new bundle does not fit.
        using var refused = await PutAsync(key, "three", Form(HostileTars.Tar(w => w.File("other.txt", "x"))));
        var problem = await AssertProblemAsync(refused, HttpStatusCode.Forbidden, "QUOTA_EXCEEDED", "maxStoredBytes");
        Assert.Contains("assets", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Collect_UnreferencedBundle_IsDeletedOneStillReferencedIsKept()
    {
        var (tenantA, keyA) = await CreateTenantAsync();
        var (_, keyB) = await CreateTenantAsync();
        using var clientA = Host.CreateClient(keyA);
        var own = (await DeployAsync(keyA, "fn", HostileTars.Tar(w => w.File("own.txt", "a"))))["assets"]!["sha256"]!.GetValue<string>();
        await DeployAsync(keyA, "fn", null, module: Modules.Other);
        var shared = (await DeployAsync(keyA, "shared", Site))["assets"]!["sha256"]!.GetValue<string>();
        await DeployAsync(keyB, "copy", Site);
        var collector = Host.Services.GetRequiredService<ModuleCollector>();

        Assert.Empty(await collector.CollectAsync(CancellationToken.None).Within());

        using (var deleted = await clientA.DeleteAsync("/v1/functions/fn/versions/1").Within())
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Contains(own, await collector.CollectAsync(CancellationToken.None).Within());
        Assert.Equal(1L, await AssetRowsAsync());

        // The other tenant's version keeps the shared bundle after this tenant is gone.
        using (var deleted = await Admin.DeleteAsync($"/v1/tenants/{tenantA}").Within())
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.DoesNotContain(shared, await collector.CollectAsync(CancellationToken.None).Within());
        using var clientB = Host.CreateClient(keyB);
        using var got = await clientB.GetAsync("/v1/functions/copy").Within();
        Assert.Equal(shared, (await ReadJsonAsync(got, HttpStatusCode.OK))["versions"]![0]!["assets"]!["sha256"]!.GetValue<string>());
    }

    [Fact]
    public async Task Deploy_TwoTenantsSameBundle_EachSeesOnlyItsOwnAndPaysForIt()
    {
        var (tenantA, keyA) = await CreateTenantAsync();
        var (tenantB, keyB) = await CreateTenantAsync();
        await DeployAsync(keyA, "site", Site);
        var stored = await Database.ScalarAsync<long>("SELECT size_bytes FROM assets").Within();
        using (var quotas = await Admin.PutAsync($"/v1/tenants/{tenantB}/quotas", Json(new { maxStoredBytes = stored })).Within())
            await ReadJsonAsync(quotas, HttpStatusCode.OK);

        // Another tenant's bundle is no credit: the module and bundle do not fit tenant B's storage.
        using (var refused = await PutAsync(keyB, "site", Form(Site)))
            await AssertProblemAsync(refused, HttpStatusCode.Forbidden, "QUOTA_EXCEEDED", "maxStoredBytes");
        // Nor is it visible: B has no function of that name.
        using var clientB = Host.CreateClient(keyB);
        using (var got = await clientB.GetAsync("/v1/functions/site").Within())
            await AssertProblemAsync(got, HttpStatusCode.NotFound, "NOT_FOUND");
        Assert.NotEqual(tenantA, tenantB);
    }

    [Fact]
    public async Task FetchAssets_OnlyOnTheClusterListenerWithTheToken()
    {
        var (_, key) = await CreateTenantAsync();
        var sha256 = (await DeployAsync(key, "site", Site))["assets"]!["sha256"]!.GetValue<string>();
        var request = new V1.FetchAssetsRequest { Sha256 = sha256 };

        var onPublic = new V1.ClusterService.ClusterServiceClient(Host.Channel);
        var publicRefusal = await Assert.ThrowsAsync<RpcException>(() => ReadAllAsync(onPublic.FetchAssets(request, PlatformTestHost.Bearer(key))));
        Assert.Equal(StatusCode.Unimplemented, publicRefusal.StatusCode);

        using var clusterChannel = GrpcChannel.ForAddress(Host.ClusterUri);
        var onCluster = new V1.ClusterService.ClusterServiceClient(clusterChannel);
        var tenantRefusal = await Assert.ThrowsAsync<RpcException>(() => ReadAllAsync(onCluster.FetchAssets(request, PlatformTestHost.Bearer(key))));
        Assert.Equal(StatusCode.Unauthenticated, tenantRefusal.StatusCode);

        var token = new CallOptions(new Metadata { { "x-platform-cluster-token", PlatformTestHost.DefaultClusterToken } }, TestTimeouts.Deadline());
        var tar = await ReadAllAsync(onCluster.FetchAssets(request, token));
        Assert.Equal(sha256, Convert.ToHexStringLower(SHA256.HashData(tar)));
        var unknown = await Assert.ThrowsAsync<RpcException>(() => ReadAllAsync(onCluster.FetchAssets(new V1.FetchAssetsRequest { Sha256 = new string('0', 64) }, token)));
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task GrpcDeploy_WithAssetsChunks_StoresTheBundle()
    {
        var (_, key) = await CreateTenantAsync();
        var functions = new V1.FunctionService.FunctionServiceClient(Host.Channel);
        var module = Encoding.UTF8.GetBytes(Modules.Hello);
        var archive = HostileTars.Gzip(Site);

        var version = await GrpcDeployAsync(functions, key, "site", module, archive, new V1.FunctionConfig { Scratch = new V1.Scratch { MaxBytes = 2048 } });

        Assert.Equal(await CanonicalSha256(Site), version.Assets.Sha256);
        Assert.Equal(2, version.Assets.Files);
        Assert.Equal(2048, version.Config.Scratch.MaxBytes);

        var hostile = await Assert.ThrowsAsync<RpcException>(() => GrpcDeployAsync(functions, key, "evil", module, HostileTars.Tar(w => w.File("../x", "y")), null));
        Assert.Equal(StatusCode.InvalidArgument, hostile.StatusCode);
        var bomb = await Assert.ThrowsAsync<RpcException>(() => GrpcDeployAsync(functions, key, "bomb", module, HostileTars.GzipBomb(1L << 30), null));
        Assert.Equal(StatusCode.ResourceExhausted, bomb.StatusCode);
    }

    private static async Task<V1.FunctionVersion> GrpcDeployAsync(V1.FunctionService.FunctionServiceClient functions, string key, string name, byte[] module, byte[] archive, V1.FunctionConfig? config)
    {
        using var call = functions.DeployFunction(PlatformTestHost.Bearer(key));
        const int chunk = 32 * 1024;
        try
        {
            await call.RequestStream.WriteAsync(new V1.DeployFunctionRequest { Header = new V1.DeployHeader { Name = name, Config = config } }).Within();
            await call.RequestStream.WriteAsync(new V1.DeployFunctionRequest { Chunk = ByteString.CopyFrom(module) }).Within();
            for (var offset = 0; offset < archive.Length; offset += chunk)
                await call.RequestStream.WriteAsync(new V1.DeployFunctionRequest { AssetsChunk = ByteString.CopyFrom(archive, offset, Math.Min(chunk, archive.Length - offset)) }).Within();
            await call.RequestStream.CompleteAsync().Within();
        }
        catch (Exception ex) when (ex is RpcException or InvalidOperationException)
        {
            // The server answered before the upload ended (an error); its status is in the response.
        }

        return await call.ResponseAsync.Within(TimeSpan.FromSeconds(60));
    }

    private static async Task<byte[]> ReadAllAsync(AsyncServerStreamingCall<V1.ModuleBytes> call)
    {
        using (call)
        {
            using var bytes = new MemoryStream();
            while (await call.ResponseStream.MoveNext(CancellationToken.None).Within())
                call.ResponseStream.Current.Chunk.WriteTo(bytes);
            return bytes.ToArray();
        }
    }
}
