using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Google.Protobuf;
using Microsoft.Extensions.DependencyInjection;
using Platform.ControlPlane.Modules;
using V1 = Platform.Contracts.V1;

namespace Platform.ControlPlane.Tests;

/// <summary>
/// Deploy pre-initialises a module that exports an initialiser: the version runs the snapshot
/// and shows it, the upload is kept, an initialiser that fails refuses the deploy with
/// PREINIT_FAILED naming the limit, and a module without the export is stored as it came.
/// </summary>
public sealed class PreinitDeployTests(PostgresFixture postgres) : ControlPlaneTest(postgres)
{
    protected override IReadOnlyDictionary<string, string?> HostSettings => new Dictionary<string, string?>
    {
        ["Platform:ModuleCollection:Interval"] = "00:00:00",
    };

    private static HttpContent Lookup(string? configJson = null)
    {
        var module = new ByteArrayContent(GuestModules.Bytes("lookup"));
        module.Headers.ContentType = new MediaTypeHeaderValue("application/wasm");
        return configJson is null ? module : ApiCalls.ModuleForm(module, "lookup.wasm", configJson);
    }

    /// <summary>A module whose initialiser runs <paramref name="body"/> (fd_write and proc_exit imported, one page of memory).</summary>
    private static string WithInitializer(string body) => $"""
        (module
          (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
          (memory (export "memory") 1)
          (func (export "wizer.initialize") {body})
          (func (export "_start")))
        """;

    [Fact]
    public async Task Deploy_ModuleWithInitializer_StoresBothAndShowsTheSnapshot()
    {
        var (_, key) = await CreateTenantAsync();
        using var client = Host.CreateClient(key);
        var original = GuestModules.Bytes("lookup");

        using var response = await client.PutAsync("/v1/functions/lookup", Lookup()).Within();
        var body = await ReadJsonAsync(response, HttpStatusCode.Created);

        Assert.Equal(Sha256Hex(original), body["sha256"]!.GetValue<string>());
        Assert.Equal(original.Length, body["sizeBytes"]!.GetValue<long>());
        var preinit = body["preinit"]!.AsObject();
        Assert.True(preinit["ran"]!.GetValue<bool>());
        var snapshotSha = preinit["sha256"]!.GetValue<string>();
        Assert.Matches("^[0-9a-f]{64}$", snapshotSha);
        Assert.NotEqual(Sha256Hex(original), snapshotSha);
        Assert.True(preinit["fuelConsumed"]!.GetValue<long>() > 10_000_000, preinit.ToJsonString());
        var snapshot = await Database.ScalarAsync<byte[]>($"SELECT content FROM modules WHERE sha256 = '{snapshotSha}'").Within();
        Assert.Equal(snapshot!.Length, preinit["sizeBytes"]!.GetValue<long>());
        Assert.Equal(snapshotSha, await Database.ScalarAsync<string>("SELECT module_sha256 FROM function_versions").Within());

        // The download is the upload; the function view shows the same preinit; nothing is collected.
        Assert.Equal(original, await client.GetByteArrayAsync("/v1/functions/lookup/versions/1/module").Within());
        var details = await ReadJsonAsync(await client.GetAsync("/v1/functions/lookup").Within(), HttpStatusCode.OK);
        Assert.Equal(snapshotSha, details["versions"]![0]!["preinit"]!["sha256"]!.GetValue<string>());
        Assert.Empty(await Host.Services.GetRequiredService<ModuleCollector>().CollectAsync(CancellationToken.None).Within());
        Assert.Equal(2L, await Database.ScalarAsync<long>("SELECT count(*) FROM modules").Within());
    }

    [Fact]
    public async Task Deploy_PreinitFalse_RunsTheUploadAndSaysWhy()
    {
        var (_, key) = await CreateTenantAsync();
        using var client = Host.CreateClient(key);

        using var response = await client.PutAsync("/v1/functions/lookup", Lookup("""{ "preinit": false }""")).Within();
        var body = await ReadJsonAsync(response, HttpStatusCode.Created);

        Assert.False(body["preinit"]!["ran"]!.GetValue<bool>());
        Assert.Contains("\"preinit\": false", body["preinit"]!["reason"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.False(body["config"]!["preinit"]!.GetValue<bool>());
        Assert.Equal(body["sha256"]!.GetValue<string>(), await Database.ScalarAsync<string>("SELECT module_sha256 FROM function_versions").Within());
        Assert.Equal(1L, await Database.ScalarAsync<long>("SELECT count(*) FROM modules").Within());
    }

    [Fact]
    public async Task Deploy_ModuleWithoutInitializer_ByteIdenticalAndNotPreinitialised()
    {
        var (_, key) = await CreateTenantAsync();
        using var client = Host.CreateClient(key);
        var hello = GuestModules.Bytes("hello");

        using var response = await client.PutAsync("/v1/functions/hello", Wasm(hello)).Within();
        var body = await ReadJsonAsync(response, HttpStatusCode.Created);

        Assert.False(body["preinit"]!["ran"]!.GetValue<bool>());
        Assert.Contains("exports no wizer.initialize", body["preinit"]!["reason"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(hello, await client.GetByteArrayAsync("/v1/functions/hello/versions/1/module").Within());
        Assert.Equal(hello, await Database.ScalarAsync<byte[]>("SELECT m.content FROM function_versions v JOIN modules m ON m.sha256 = v.module_sha256").Within());
        Assert.Equal(0L, await Database.ScalarAsync<long>("SELECT count(*) FROM function_versions WHERE original_sha256 IS NOT NULL").Within());
    }

    public static TheoryData<string, object, string, string> FailingInitializers => new()
    {
        { "(loop $forever (br $forever))", new { maxFuel = 10_000_000 }, "OUT_OF_FUEL", "fuel (limit 10000000)" },
        { "(loop $forever (br $forever))", new { maxFuel = 1_000_000_000_000L, maxTimeoutMs = 300 }, "TIMEOUT", "time limit (300 ms)" },
        { "(loop $grow (br_if $grow (i32.ne (memory.grow (i32.const 1)) (i32.const -1)))) unreachable", new { maxMemoryMb = 4 }, "MEMORY_LIMIT", "memory limit (4 MiB)" },
        {
            "(i32.store (i32.const 0) (i32.const 16)) (i32.store (i32.const 4) (i32.const 1024)) (loop $w (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))) (br $w))",
            new { maxOutputBytes = 4096 }, "OUTPUT_LIMIT", "output limit (4096 bytes)"
        },
        { "unreachable", new { }, "TRAP", "unreachable" },
    };

    [Theory]
    [MemberData(nameof(FailingInitializers))]
    public async Task Deploy_FailingInitializer_400PreinitFailedNamingTheLimitAndNothingStored(string body, object quotas, string reason, string limit)
    {
        var (_, key) = await CreateTenantAsync(quotas: quotas);
        using var client = Host.CreateClient(key);

        using var response = await client.PutAsync("/v1/functions/broken", Wat(WithInitializer(body))).Within();
        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest, "PREINIT_FAILED", "module");

        var detail = problem["detail"]!.GetValue<string>();
        Assert.Contains($"({reason})", detail, StringComparison.Ordinal);
        Assert.Contains(limit, detail, StringComparison.Ordinal);
        Assert.Contains("\"preinit\": false", detail, StringComparison.Ordinal);
        Assert.Equal(0L, await Database.ScalarAsync<long>("SELECT count(*) FROM modules").Within());
        using var missing = await client.GetAsync("/v1/functions/broken").Within();
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task Deploy_FailingInitializerWithPreinitFalse_Accepted()
    {
        var (_, key) = await CreateTenantAsync();
        using var client = Host.CreateClient(key);

        using var response = await client.PutAsync("/v1/functions/optout", Multipart(WithInitializer("unreachable"), """{ "preinit": false }""")).Within();

        Assert.False((await ReadJsonAsync(response, HttpStatusCode.Created))["preinit"]!["ran"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Deploy_SnapshotPastStoredBytes_QuotaExceededNamingTheSnapshot()
    {
        // The upload fits (about 110 KB); with its snapshot (the 256 KB table on top) it does not.
        var (_, key) = await CreateTenantAsync(quotas: new { maxStoredBytes = 200_000 });
        using var client = Host.CreateClient(key);

        using var response = await client.PutAsync("/v1/functions/lookup", Lookup()).Within();
        var problem = await AssertProblemAsync(response, HttpStatusCode.Forbidden, "QUOTA_EXCEEDED", "maxStoredBytes");

        Assert.Contains("pre-initialised snapshot", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(0L, await Database.ScalarAsync<long>("SELECT count(*) FROM modules").Within());
    }

    [Fact]
    public async Task DeployFunction_Grpc_PreinitInTheVersionAndConfig()
    {
        var (_, key) = await CreateTenantAsync();
        var functions = new V1.FunctionService.FunctionServiceClient(Host.Channel);
        var module = GuestModules.Bytes("lookup");

        var ran = await DeployAsync(functions, key, "fast", module, new V1.FunctionConfig());
        var optedOut = await DeployAsync(functions, key, "slow", module, new V1.FunctionConfig { Preinit = false });

        Assert.True(ran.Preinit.Ran);
        Assert.Matches("^[0-9a-f]{64}$", ran.Preinit.Sha256);
        Assert.True(ran.Preinit.SizeBytes > 256 * 1024);
        Assert.True(ran.Preinit.FuelConsumed > 10_000_000);
        Assert.False(ran.Config.HasPreinit);
        Assert.False(optedOut.Preinit.Ran);
        Assert.True(optedOut.Config.HasPreinit);
        Assert.False(optedOut.Config.Preinit);
        Assert.Equal(Sha256Hex(module), optedOut.Sha256);
        Assert.Equal(ran.Sha256, optedOut.Sha256);
    }

    [Fact]
    public async Task Invoke_Snapshot_SameOutputWithFarLessFuelOnAWorker()
    {
        await using var database = await Postgres.CreateDatabaseAsync().Within();
        await using var cluster = await InvokeCluster.StartAsync(database.ConnectionString);
        var (_, key) = await cluster.CreateTenantAsync();
        using var client = cluster.ControlPlane.CreateClient(key);
        await ApiCalls.DeployAsync(client, "fast", Lookup());
        await ApiCalls.DeployAsync(client, "slow", Lookup("""{ "preinit": false }"""));

        var fast = await cluster.InvokeAsync(key, "fast", "4242");
        var slow = await cluster.InvokeAsync(key, "slow", "4242");

        Assert.Equal("OK", fast.Code);
        Assert.Equal("OK", slow.Code);
        Assert.StartsWith("key=4242 value=", fast.Body, StringComparison.Ordinal);
        Assert.Equal(slow.Body, fast.Body);
        Assert.True(fast.Fuel * 50 < slow.Fuel, $"fuel with the snapshot {fast.Fuel}, without {slow.Fuel}");
    }

    private static async Task<V1.FunctionVersion> DeployAsync(V1.FunctionService.FunctionServiceClient functions, string key, string name, byte[] module, V1.FunctionConfig config)
    {
        using var call = functions.DeployFunction(PlatformTestHost.Bearer(key));
        await call.RequestStream.WriteAsync(new V1.DeployFunctionRequest { Header = new V1.DeployHeader { Name = name, Config = config } }).Within();
        await call.RequestStream.WriteAsync(new V1.DeployFunctionRequest { Chunk = ByteString.CopyFrom(module) }).Within();
        await call.RequestStream.CompleteAsync().Within();
        return await call.ResponseAsync.Within();
    }
}
