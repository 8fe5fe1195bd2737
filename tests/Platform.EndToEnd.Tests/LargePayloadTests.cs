using System.Net;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Platform.Contracts.V1;

namespace Platform.EndToEnd.Tests;

/// <summary>An input the tenant's quota allows runs whatever its size (above the REST listener's 1 MiB global body limit).</summary>
[Collection(ClusterCollection.Name)]
public sealed class LargePayloadTests(EndToEndEnvironment environment)
{
    private const int Quota = 6 << 20;
    private static readonly string Input = new('x', 5 << 20);

    [Fact]
    public async Task Invoke_FiveMiBWithinTheTenantsQuota_RunsOverRest()
    {
        var (cluster, key) = await SetupAsync();

        (await cluster.InvokeAsync(key, "echo", Input, TimeSpan.FromSeconds(60))).AssertOk(Input);
        // Refused from its Content-Length, before a byte of it is read: with 100-continue the body is never sent.
        using var client = cluster.Client(key);
        client.DefaultRequestHeaders.ExpectContinue = true;
        (await TestCluster.InvokeAsync(client, "echo", new byte[Quota + 1])).AssertPlatformError(HttpStatusCode.RequestEntityTooLarge, "PAYLOAD_TOO_LARGE");
    }

    [Fact]
    public async Task Invoke_FiveMiBWithinTheTenantsQuota_RunsOverGrpc()
    {
        var (cluster, key) = await SetupAsync();
        using var channel = GrpcChannel.ForAddress(cluster.ControlPlane.GrpcUri, new GrpcChannelOptions { MaxReceiveMessageSize = 64 << 20, MaxSendMessageSize = 64 << 20 });
        var client = new InvocationService.InvocationServiceClient(channel);

        var response = await client.InvokeAsync(new InvokeRequest { Function = "echo", Input = ByteString.CopyFromUtf8(Input) }, PlatformTestHost.Bearer(key)).ResponseAsync.Within();
        Assert.Equal(Input, response.Output.ToStringUtf8());
        await RpcAssert.FailsAsync(
            () => client.InvokeAsync(new InvokeRequest { Function = "echo", Input = ByteString.CopyFrom(new byte[Quota + 1]) }, PlatformTestHost.Bearer(key)).ResponseAsync,
            StatusCode.ResourceExhausted,
            "PAYLOAD_TOO_LARGE");
    }

    private async Task<(TestCluster Cluster, string Key)> SetupAsync()
    {
        var cluster = await environment.SharedClusterAsync();
        var key = await cluster.OnceAsync("large-payload", async () =>
        {
            var (_, key) = await cluster.CreateTenantAsync(new { maxInputBytes = Quota, maxOutputBytes = Quota });
            await cluster.DeployGuestAsync(key, "echo", "echo");
            return key;
        });
        return (cluster, key);
    }
}
