using System.Net;
using Google.Protobuf;
using Grpc.Core;
using V1 = Platform.Contracts.V1;

namespace Platform.ControlPlane.Tests;

/// <summary>
/// Uploads compile under the compile budget (here 1 s of CPU): a compile bomb is a clear
/// INVALID_MODULE naming the budget on REST and gRPC, and the tenant's next upload compiles
/// on a fresh compiler. A module using a Wasm feature the engine leaves off never uploads.
/// </summary>
public sealed class CompileBudgetApiTests(PostgresFixture postgres) : ControlPlaneTest(postgres)
{
    protected override IReadOnlyDictionary<string, string?> HostSettings { get; } = new Dictionary<string, string?>
    {
        ["Platform:Compile:MaxCpuTime"] = "00:00:01",
        ["Platform:Compile:MaxWallTime"] = "00:04:00",
        // The fixed budget alone, so the message names exactly 1 s (the per-MiB allowances have their own tests).
        ["Platform:Compile:CpuTimePerMiB"] = "00:00:00",
        ["Platform:Compile:WallTimePerMiB"] = "00:00:00",
        ["Platform:Compile:MemoryMbPerMiB"] = "0",
    };

    [Fact]
    public async Task Upload_CompileBomb_InvalidModuleNamingTheBudgetThenTheNextUploadWorks()
    {
        var (_, key) = await CreateTenantAsync();
        using var client = Host.CreateClient(key);

        using var bomb = await client.PutAsync("/v1/functions/bomb", Wasm(CompileBomb.Build())).Within(TimeSpan.FromMinutes(5));
        var problem = await AssertProblemAsync(bomb, HttpStatusCode.BadRequest, "INVALID_MODULE");
        Assert.Contains("compile budget: more than 1 s of CPU time", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);

        var deployed = await DeployAsync(key, "hello");
        Assert.Equal(1, deployed["version"]!.GetValue<int>());
        using var missing = await client.GetAsync("/v1/functions/bomb").Within();
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task DeployFunction_CompileBombOverGrpc_InvalidArgumentInvalidModule()
    {
        var (_, key) = await CreateTenantAsync();
        var functions = new V1.FunctionService.FunctionServiceClient(Host.Channel);
        var module = CompileBomb.Build();

        using var call = functions.DeployFunction(PlatformTestHost.Bearer(key));
        await call.RequestStream.WriteAsync(new V1.DeployFunctionRequest { Header = new V1.DeployHeader { Name = "bomb" } }).Within();
        await call.RequestStream.WriteAsync(new V1.DeployFunctionRequest { Chunk = ByteString.CopyFrom(module) }).Within();
        await call.RequestStream.CompleteAsync().Within();
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync.Within(TimeSpan.FromMinutes(5)));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal("INVALID_MODULE", GrpcApiTests.ErrorInfo(error).Reason);
        Assert.Contains("compile budget", error.Status.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("(module (memory 1 1 shared) (func (export \"_start\")))", "thread")]
    [InlineData("(module (memory 1) (memory 1) (func (export \"_start\")))", "multi")]
    public async Task Upload_FeatureTheEngineLeavesOff_InvalidModuleNamingIt(string wat, string named)
    {
        var (_, key) = await CreateTenantAsync();
        using var client = Host.CreateClient(key);

        using var response = await client.PutAsync("/v1/functions/featured", Wat(wat)).Within();

        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest, "INVALID_MODULE");
        Assert.Contains(named, problem["detail"]!.GetValue<string>(), StringComparison.OrdinalIgnoreCase);
    }
}
