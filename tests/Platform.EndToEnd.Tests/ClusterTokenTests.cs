using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Platform.Contracts.V1;
using Platform.Worker;

namespace Platform.EndToEnd.Tests;

/// <summary>The internal API, both ways, refuses calls without the right cluster token.</summary>
[Collection(ClusterCollection.Name)]
public sealed class ClusterTokenTests(EndToEndEnvironment environment)
{
    private const string WrongToken = "wrong-cluster-token-0123456789abcdef";

    public static TheoryData<string?> BadTokens => new() { null, WrongToken, "", PlatformTestHost.DefaultAdminKey };

    [Theory]
    [MemberData(nameof(BadTokens))]
    public async Task WorkerService_WithoutTheClusterToken_Unauthenticated(string? token)
    {
        var cluster = await environment.SharedClusterAsync();
        var (tenant, key) = await cluster.CreateTenantAsync();
        var deployed = await cluster.DeployWatAsync(key, "guarded", GuestWat.Writes($"{tenant} guarded"));
        var sha256 = deployed["sha256"]!.GetValue<string>();
        var worker = cluster.Worker(cluster.Placement(sha256)[0]);
        await Eventually.WaitForAsync(async () => (await worker.StatusAsync()).Modules.Contains(sha256), TimeSpan.FromSeconds(20), "the push");
        var before = await worker.StatusAsync();
        var intruder = worker.CreateClient(token);
        var deadline = TestTimeouts.Deadline();
        // A tenant's bearer key is no substitute.
        var headers = new Metadata { { "authorization", $"Bearer {key}" } };

        await RpcAssert.FailsAsync(() => intruder.StatusAsync(new WorkerStatusRequest(), headers, deadline).ResponseAsync, StatusCode.Unauthenticated, "UNAUTHENTICATED");
        await RpcAssert.FailsAsync(
            () => intruder.InvokeAsync(new WorkerInvokeRequest { InvocationId = Guid.NewGuid().ToString("N"), Function = "guarded", ModuleSha256 = sha256, Limits = new InvocationLimits { Fuel = 1_000_000, MemoryMb = 16, TimeoutMs = 1000, MaxOutputBytes = 1024, MaxLogBytes = 1024 } }, headers, deadline).ResponseAsync,
            StatusCode.Unauthenticated,
            "UNAUTHENTICATED");
        await RpcAssert.FailsAsync(() => intruder.EvictAsync(new EvictRequest { Sha256 = sha256 }, headers, deadline).ResponseAsync, StatusCode.Unauthenticated, "UNAUTHENTICATED");
        await RpcAssert.FailsAsync(
            async () =>
            {
                var bogus = "(module (func (export \"_start\")))"u8.ToArray();
                using var push = intruder.PushModule(headers, deadline);
                try
                {
                    await push.RequestStream.WriteAsync(new PushModuleRequest { Header = new PushModuleHeader { Sha256 = new string('a', 64), SizeBytes = bogus.Length } });
                    await push.RequestStream.WriteAsync(new PushModuleRequest { Chunk = ByteString.CopyFrom(bogus) });
                    await push.RequestStream.CompleteAsync();
                }
                catch (Exception ex) when (ex is RpcException or InvalidOperationException)
                {
                    // The worker refused before reading the stream; the response carries why.
                }

                await push.ResponseAsync;
            },
            StatusCode.Unauthenticated,
            "UNAUTHENTICATED");

        // Nothing was evicted, run or stored; the right token still works.
        var after = await worker.StatusAsync();
        Assert.Contains(sha256, after.Modules);
        Assert.Equal(before.Modules.Order(), after.Modules.Order());
        Assert.Equal(before.Compiles, after.Compiles);
        Assert.Equal(before.CacheMemoryHits, after.CacheMemoryHits);
        (await cluster.InvokeAsync(key, "guarded")).AssertOk($"{tenant} guarded");
    }

    [Theory]
    [MemberData(nameof(BadTokens))]
    public async Task ClusterService_WithoutTheClusterToken_Unauthenticated(string? token)
    {
        var cluster = await environment.SharedClusterAsync();
        var (tenant, key) = await cluster.CreateTenantAsync();
        var deployed = await cluster.DeployWatAsync(key, "fetched", GuestWat.Writes($"{tenant} fetched"));
        var sha256 = deployed["sha256"]!.GetValue<string>();
        var intruderId = "intruder-" + Guid.NewGuid().ToString("N")[..8];
        // The cluster listener: the public gRPC listener has no ClusterService at all.
        using var clusterChannel = Grpc.Net.Client.GrpcChannel.ForAddress(cluster.ControlPlane.ClusterUri);
        var invoker = clusterChannel.CreateCallInvoker();
        var intruder = new ClusterService.ClusterServiceClient(token is null
            ? invoker
            : invoker.Intercept(metadata =>
            {
                metadata.Add(ClusterMetadata.TokenHeader, token!);
                return metadata;
            }));
        var deadline = TestTimeouts.Deadline();

        await RpcAssert.FailsAsync(
            () => intruder.RegisterAsync(new RegisterWorkerRequest { WorkerId = intruderId, AdvertiseUrl = "http://127.0.0.1:1", Capacity = 4 }, deadline: deadline).ResponseAsync,
            StatusCode.Unauthenticated,
            "UNAUTHENTICATED");
        await RpcAssert.FailsAsync(
            () => intruder.HeartbeatAsync(new HeartbeatRequest { WorkerId = "w1" }, deadline: deadline).ResponseAsync,
            StatusCode.Unauthenticated,
            "UNAUTHENTICATED");
        await RpcAssert.FailsAsync(
            async () =>
            {
                using var fetch = intruder.FetchModule(new FetchModuleRequest { Sha256 = sha256 }, deadline: deadline);
                while (await fetch.ResponseStream.MoveNext(CancellationToken.None))
                    Assert.Fail("a module chunk reached a caller without the cluster token");
            },
            StatusCode.Unauthenticated,
            "UNAUTHENTICATED");

        // The intruder was not registered; the right token fetches the module.
        var workers = await cluster.Admin.GetFromJsonAsync<JsonObject>("/v1/workers").Within();
        var ids = workers!["workers"]!.AsArray().Select(w => w!["id"]!.GetValue<string>()).ToList();
        Assert.DoesNotContain(intruderId, ids);
        Assert.Contains("w1", ids);

        var trusted = new ClusterService.ClusterServiceClient(invoker.Intercept(metadata =>
        {
            metadata.Add(ClusterMetadata.TokenHeader, TestCluster.ClusterToken);
            return metadata;
        }));
        using var allowed = trusted.FetchModule(new FetchModuleRequest { Sha256 = sha256 }, deadline: TestTimeouts.Deadline());
        var bytes = new List<byte>();
        while (await allowed.ResponseStream.MoveNext(CancellationToken.None).Within())
            bytes.AddRange(allowed.ResponseStream.Current.Chunk);
        Assert.Equal(sha256, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes.ToArray())));
    }
}
