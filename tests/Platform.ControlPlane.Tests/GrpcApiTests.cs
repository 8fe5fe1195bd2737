using System.Security.Cryptography;
using Google.Protobuf;
using Google.Rpc;
using Grpc.Core;
using Grpc.Health.V1;
using V1 = Platform.Contracts.V1;

namespace Platform.ControlPlane.Tests;

public sealed class GrpcApiTests(PostgresFixture postgres) : ControlPlaneTest(postgres)
{
    private V1.TenantService.TenantServiceClient Tenants => new(Host.Channel);

    private V1.FunctionService.FunctionServiceClient Functions => new(Host.Channel);

    private CallOptions AdminCall => PlatformTestHost.Bearer(Host.AdminKey);

    public static ErrorInfo ErrorInfo(RpcException ex)
    {
        var status = ex.GetRpcStatus();
        Assert.NotNull(status);
        var info = status.GetDetail<ErrorInfo>();
        Assert.NotNull(info);
        Assert.Equal("platform", info.Domain);
        return info;
    }

    private static async Task<RpcException> AssertRpcErrorAsync(Func<Task> call, StatusCode status, string reason, string? field = null)
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() => call().Within());
        Assert.Equal(status, ex.StatusCode);
        var info = ErrorInfo(ex);
        Assert.Equal(reason, info.Reason);
        if (field is not null)
        {
            Assert.Equal(field, info.Metadata["field"]);
            var badRequest = ex.GetRpcStatus()!.GetDetail<BadRequest>();
            Assert.Equal(field, badRequest!.FieldViolations.Single().Field);
        }

        return ex;
    }

    private async Task<string> CreateTenantKeyAsync(string name, V1.Quotas? quotas = null)
    {
        var created = await Tenants.CreateTenantAsync(new V1.CreateTenantRequest { Name = name, Quotas = quotas }, AdminCall).ResponseAsync.Within();
        return created.ApiKey.Secret;
    }

    private async Task<V1.FunctionVersion> DeployAsync(string key, string name, byte[] module, V1.FunctionConfig? config = null, int chunk = 7)
    {
        using var call = Functions.DeployFunction(PlatformTestHost.Bearer(key));
        try
        {
            await call.RequestStream.WriteAsync(new V1.DeployFunctionRequest { Header = new V1.DeployHeader { Name = name, Config = config } }).Within();
            for (var offset = 0; offset < module.Length; offset += chunk)
                await call.RequestStream.WriteAsync(new V1.DeployFunctionRequest { Chunk = ByteString.CopyFrom(module, offset, Math.Min(chunk, module.Length - offset)) }).Within();
            await call.RequestStream.CompleteAsync().Within();
        }
        catch (Exception ex) when (ex is RpcException or InvalidOperationException)
        {
            // The server answered before the upload ended (an error); its status is in the response.
        }

        return await call.ResponseAsync.Within();
    }

    [Fact]
    public async Task TenantService_FullLifecycle()
    {
        var created = await Tenants.CreateTenantAsync(new V1.CreateTenantRequest { Name = "grpc-co", Quotas = new V1.Quotas { MaxFunctions = 4 } }, AdminCall).ResponseAsync.Within();
        Assert.Equal("grpc-co", created.Tenant.Name);
        Assert.Equal(4, created.Tenant.Quotas.MaxFunctions);
        Assert.Equal(64, created.Tenant.Quotas.MaxMemoryMb);
        Assert.True(created.Tenant.QuotaOverrides.HasMaxFunctions);
        Assert.False(created.Tenant.QuotaOverrides.HasMaxFuel);
        Assert.StartsWith("pk_", created.ApiKey.Secret);

        var list = await Tenants.ListTenantsAsync(new V1.ListTenantsRequest(), AdminCall).ResponseAsync.Within();
        Assert.Equal(["grpc-co"], list.Tenants.Select(t => t.Name));

        var updated = await Tenants.SetQuotasAsync(new V1.SetQuotasRequest { Name = "grpc-co", Quotas = new V1.Quotas { MaxFuel = 99 } }, AdminCall).ResponseAsync.Within();
        Assert.Equal(99, updated.Quotas.MaxFuel);
        Assert.Equal(100, updated.Quotas.MaxFunctions);
        var fetched = await Tenants.GetTenantAsync(new V1.GetTenantRequest { Name = "grpc-co" }, AdminCall).ResponseAsync.Within();
        Assert.Equal(99, fetched.Quotas.MaxFuel);

        var key = await Tenants.CreateApiKeyAsync(new V1.CreateApiKeyRequest { Tenant = "grpc-co" }, AdminCall).ResponseAsync.Within();
        var keys = await Tenants.ListApiKeysAsync(new V1.ListApiKeysRequest { Tenant = "grpc-co" }, AdminCall).ResponseAsync.Within();
        Assert.Equal(2, keys.Keys.Count);
        Assert.All(keys.Keys, k => Assert.Null(k.RevokedAt));
        await Tenants.RevokeApiKeyAsync(new V1.RevokeApiKeyRequest { Tenant = "grpc-co", Id = key.ApiKey.Id }, AdminCall).ResponseAsync.Within();
        keys = await Tenants.ListApiKeysAsync(new V1.ListApiKeysRequest { Tenant = "grpc-co" }, AdminCall).ResponseAsync.Within();
        Assert.NotNull(keys.Keys.Single(k => k.Id == key.ApiKey.Id).RevokedAt);

        await Tenants.DeleteTenantAsync(new V1.DeleteTenantRequest { Name = "grpc-co" }, AdminCall).ResponseAsync.Within();
        await AssertRpcErrorAsync(() => Tenants.GetTenantAsync(new V1.GetTenantRequest { Name = "grpc-co" }, AdminCall).ResponseAsync, StatusCode.NotFound, "NOT_FOUND");
    }

    [Fact]
    public async Task TenantService_Errors_CarryErrorInfo()
    {
        await AssertRpcErrorAsync(() => Tenants.ListTenantsAsync(new V1.ListTenantsRequest(), PlatformTestHost.Bearer(null)).ResponseAsync, StatusCode.Unauthenticated, "UNAUTHENTICATED");
        await AssertRpcErrorAsync(() => Tenants.ListTenantsAsync(new V1.ListTenantsRequest(), PlatformTestHost.Bearer("pk_wrong")).ResponseAsync, StatusCode.Unauthenticated, "UNAUTHENTICATED");
        var tenantKey = await CreateTenantKeyAsync("someone");
        await AssertRpcErrorAsync(() => Tenants.ListTenantsAsync(new V1.ListTenantsRequest(), PlatformTestHost.Bearer(tenantKey)).ResponseAsync, StatusCode.PermissionDenied, "FORBIDDEN");
        await AssertRpcErrorAsync(() => Tenants.CreateTenantAsync(new V1.CreateTenantRequest { Name = "Bad Name" }, AdminCall).ResponseAsync, StatusCode.InvalidArgument, "INVALID_ARGUMENT", "name");
        await AssertRpcErrorAsync(() => Tenants.CreateTenantAsync(new V1.CreateTenantRequest { Name = "someone" }, AdminCall).ResponseAsync, StatusCode.InvalidArgument, "INVALID_ARGUMENT", "name");
        await AssertRpcErrorAsync(() => Tenants.CreateTenantAsync(new V1.CreateTenantRequest { Name = "zero", Quotas = new V1.Quotas { MaxConcurrency = 0 } }, AdminCall).ResponseAsync, StatusCode.InvalidArgument, "INVALID_ARGUMENT", "quotas.maxConcurrency");
        await AssertRpcErrorAsync(() => Tenants.RevokeApiKeyAsync(new V1.RevokeApiKeyRequest { Tenant = "someone", Id = "nope" }, AdminCall).ResponseAsync, StatusCode.InvalidArgument, "INVALID_ARGUMENT", "id");
        await AssertRpcErrorAsync(() => Tenants.SetQuotasAsync(new V1.SetQuotasRequest { Name = "ghost" }, AdminCall).ResponseAsync, StatusCode.NotFound, "NOT_FOUND");
        await AssertRpcErrorAsync(() => Functions.ListFunctionsAsync(new V1.ListFunctionsRequest(), AdminCall).ResponseAsync, StatusCode.PermissionDenied, "FORBIDDEN");
    }

    [Fact]
    public async Task DeployFunction_ClientStreamingChunks_MatchesRestView()
    {
        var key = await CreateTenantKeyAsync("streamer");
        var module = System.Text.Encoding.UTF8.GetBytes(Modules.Hello);
        var config = new V1.FunctionConfig { Fuel = 1000, TimeoutMs = 100, Args = { "-v" }, Env = { ["MODE"] = "fast" }, Http = new V1.HttpTrigger { Public = true } };
        var v1 = await DeployAsync(key, "streamed", module, config);
        Assert.Equal("streamed", v1.Name);
        Assert.Equal(1, v1.Version);
        Assert.Equal(1000, v1.Config.Fuel);
        Assert.False(v1.Config.HasMemoryMb);
        Assert.Equal("fast", v1.Config.Env["MODE"]);
        Assert.Equal(["-v"], v1.Config.Args);
        Assert.True(v1.Config.Http.Public);

        var v2 = await DeployAsync(key, "streamed", System.Text.Encoding.UTF8.GetBytes(Modules.Other), chunk: 1 << 20);
        Assert.Equal(2, v2.Version);

        var list = await Functions.ListFunctionsAsync(new V1.ListFunctionsRequest(), PlatformTestHost.Bearer(key)).ResponseAsync.Within();
        Assert.Equal(2, list.Functions.Single().LatestVersion);
        await Functions.SetAliasAsync(new V1.SetAliasRequest { Name = "streamed", Alias = "stable", Version = 1 }, PlatformTestHost.Bearer(key)).ResponseAsync.Within();
        var function = await Functions.GetFunctionAsync(new V1.GetFunctionRequest { Name = "streamed" }, PlatformTestHost.Bearer(key)).ResponseAsync.Within();
        Assert.Equal([1, 2], function.Versions.Select(v => v.Version));
        Assert.Equal(1, function.Aliases["stable"]);
        Assert.Equal(2, function.Aliases["latest"]);

        using var download = Functions.DownloadModule(new V1.DownloadModuleRequest { Name = "streamed", Version = "stable" }, PlatformTestHost.Bearer(key));
        var bytes = new List<byte>();
        while (await download.ResponseStream.MoveNext(CancellationToken.None).Within())
            bytes.AddRange(download.ResponseStream.Current.Data);
        Assert.Equal(v1.Sha256, Convert.ToHexStringLower(SHA256.HashData(bytes.ToArray())));
        var headers = await download.ResponseHeadersAsync.Within();
        Assert.Equal(v1.Sha256, headers.GetValue("x-module-sha256"));

        using var rest = Host.CreateClient(key);
        var restBytes = await rest.GetByteArrayAsync("/v1/functions/streamed/versions/1/module").Within();
        Assert.Equal(bytes.ToArray(), restBytes);

        await Functions.DeleteFunctionAsync(new V1.DeleteFunctionRequest { Name = "streamed" }, PlatformTestHost.Bearer(key)).ResponseAsync.Within();
        await AssertRpcErrorAsync(() => Functions.GetFunctionAsync(new V1.GetFunctionRequest { Name = "streamed" }, PlatformTestHost.Bearer(key)).ResponseAsync, StatusCode.NotFound, "NOT_FOUND");
    }

    [Fact]
    public async Task DeployFunction_ModuleOverGlobalBodyLimit_StreamsInChunks()
    {
        var key = await CreateTenantKeyAsync("large");
        var large = System.Text.Encoding.UTF8.GetBytes(Modules.Hello + new string(' ', 3 << 20));
        var version = await DeployAsync(key, "large", large, chunk: 256 * 1024);
        Assert.Equal(1, version.Version);
        Assert.True(version.SizeBytes < 1024);
    }

    [Fact]
    public async Task DeployFunction_Errors_CarryErrorInfo()
    {
        var key = await CreateTenantKeyAsync("errs", new V1.Quotas { MaxModuleBytes = 1024, MaxFunctions = 1, MaxFuel = 10 });
        var hello = System.Text.Encoding.UTF8.GetBytes(Modules.Hello);

        await AssertRpcErrorAsync(() => DeployAsync(key, "evil", System.Text.Encoding.UTF8.GetBytes(Modules.EvilImport)), StatusCode.InvalidArgument, "INVALID_MODULE");
        await AssertRpcErrorAsync(() => DeployAsync(key, "garbage", Modules.Garbage), StatusCode.InvalidArgument, "INVALID_MODULE");
        await AssertRpcErrorAsync(() => DeployAsync(key, "empty", []), StatusCode.InvalidArgument, "INVALID_MODULE");
        await AssertRpcErrorAsync(() => DeployAsync(key, "big", new byte[2048], chunk: 512), StatusCode.ResourceExhausted, "PAYLOAD_TOO_LARGE", "module");
        await AssertRpcErrorAsync(() => DeployAsync(key, "Bad_Name", hello), StatusCode.InvalidArgument, "INVALID_ARGUMENT", "name");
        await AssertRpcErrorAsync(() => DeployAsync(key, "fueled", hello, new V1.FunctionConfig { Fuel = 11 }), StatusCode.InvalidArgument, "INVALID_ARGUMENT", "config.fuel");
        await AssertRpcErrorAsync(() => DeployAsync(key, "envy", hello, new V1.FunctionConfig { Env = { ["A=B"] = "x" } }), StatusCode.InvalidArgument, "INVALID_ARGUMENT", "config.env");
        await AssertRpcErrorAsync(() => DeployAsync(null!, "anon", hello), StatusCode.Unauthenticated, "UNAUTHENTICATED");

        // The first message must be the header.
        await AssertRpcErrorAsync(async () =>
        {
            using var call = Functions.DeployFunction(PlatformTestHost.Bearer(key));
            await call.RequestStream.WriteAsync(new V1.DeployFunctionRequest { Chunk = ByteString.CopyFrom(hello) });
            await call.RequestStream.CompleteAsync();
            await call.ResponseAsync;
        }, StatusCode.InvalidArgument, "INVALID_ARGUMENT", "header");

        await DeployAsync(key, "only", hello);
        await AssertRpcErrorAsync(() => DeployAsync(key, "second", hello), StatusCode.ResourceExhausted, "QUOTA_EXCEEDED");
        await AssertRpcErrorAsync(() => Functions.SetAliasAsync(new V1.SetAliasRequest { Name = "only", Alias = "latest", Version = 1 }, PlatformTestHost.Bearer(key)).ResponseAsync, StatusCode.InvalidArgument, "INVALID_ARGUMENT", "alias");
        await AssertRpcErrorAsync(() => Functions.SetAliasAsync(new V1.SetAliasRequest { Name = "only", Alias = "prod", Version = 9 }, PlatformTestHost.Bearer(key)).ResponseAsync, StatusCode.InvalidArgument, "INVALID_ARGUMENT", "version");
        await AssertRpcErrorAsync(async () =>
        {
            using var call = Functions.DownloadModule(new V1.DownloadModuleRequest { Name = "only", Version = "5" }, PlatformTestHost.Bearer(key));
            await call.ResponseStream.MoveNext(CancellationToken.None);
        }, StatusCode.NotFound, "NOT_FOUND");
    }

    [Fact]
    public async Task Health_Check_Serving()
    {
        var client = new Health.HealthClient(Host.Channel);
        var response = await client.CheckAsync(new HealthCheckRequest(), deadline: TestTimeouts.Deadline()).ResponseAsync.Within();
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, response.Status);
    }

    [Fact]
    public async Task GrpcService_OnRestListener_NotServed()
    {
        using var channel = global::Grpc.Net.Client.GrpcChannel.ForAddress(Host.RestUri);
        var client = new V1.TenantService.TenantServiceClient(channel);
        var ex = await Assert.ThrowsAsync<RpcException>(() => client.ListTenantsAsync(new V1.ListTenantsRequest(), AdminCall).ResponseAsync.Within());
        Assert.NotEqual(StatusCode.OK, ex.StatusCode);
    }
}
