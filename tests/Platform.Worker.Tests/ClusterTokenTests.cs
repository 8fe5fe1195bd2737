using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Platform.Contracts.V1;

namespace Platform.Worker.Tests;

public sealed class ClusterTokenTests
{
    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("wrong-cluster-token-0123456789")]
    [InlineData(ClusterState.Token + "x")]
    public async Task EveryMethod_WithoutTheRightToken_IsUnauthenticated(string? token)
    {
        // The worker creates its own engine here: the path a host without one takes.
        await using var worker = await TestWorker.StartAsync(sharedEngine: false);
        var guest = Guest.FromWat(Wat.Hello);
        var client = worker.CreateClient(token);

        await RpcAssert.FailsAsync(() => client.StatusAsync(new WorkerStatusRequest(), deadline: TestWorker.Deadline()).ResponseAsync, StatusCode.Unauthenticated, "UNAUTHENTICATED");
        await RpcAssert.FailsAsync(() => client.InvokeAsync(new WorkerInvokeRequest { ModuleSha256 = guest.Sha256, Function = "fn" }, deadline: TestWorker.Deadline()).ResponseAsync, StatusCode.Unauthenticated, "UNAUTHENTICATED");
        await RpcAssert.FailsAsync(() => client.EvictAsync(new EvictRequest { Sha256 = guest.Sha256 }, deadline: TestWorker.Deadline()).ResponseAsync, StatusCode.Unauthenticated, "UNAUTHENTICATED");
        await RpcAssert.FailsAsync(() => TestWorker.PushAsync(client, guest.Sha256, guest.Bytes, guest.Bytes.Length), StatusCode.Unauthenticated, "UNAUTHENTICATED");

        // Nothing was stored by the refused push.
        var status = await worker.StatusAsync();
        Assert.Empty(status.Modules);
        Assert.Equal(0, status.Compiles);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("wrong-cluster-token-0123456789-0123456789")]
    public async Task Invoke_64MiBWithoutTheRightToken_UnauthenticatedFromTheHeaders(string? token)
    {
        await using var worker = await TestWorker.StartAsync();
        using var channel = GrpcChannel.ForAddress(worker.Uri, new GrpcChannelOptions { MaxSendMessageSize = null });
        var client = new WorkerService.WorkerServiceClient(channel);
        var headers = new Metadata();
        if (token is not null) headers.Add("x-platform-cluster-token", token);
        var request = new WorkerInvokeRequest { ModuleSha256 = new string('0', 64), Function = "fn", Input = ByteString.CopyFrom(new byte[64 << 20]) };

        await RpcAssert.FailsAsync(() => client.InvokeAsync(request, new CallOptions(headers, TestWorker.Deadline())).ResponseAsync, StatusCode.Unauthenticated, "UNAUTHENTICATED");
        await RpcAssert.FailsAsync(() => client.InvokeAsync(request, new CallOptions(headers, TestWorker.Deadline())).ResponseAsync, StatusCode.Unauthenticated, "UNAUTHENTICATED");
    }
}
