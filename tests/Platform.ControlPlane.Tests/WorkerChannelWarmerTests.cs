using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Platform.ControlPlane.Cluster;
using V1 = Platform.Contracts.V1;

namespace Platform.ControlPlane.Tests;

public sealed class WorkerChannelWarmerTests
{
    private const string Token = "warmer-test-cluster-token-0123456789abcdef";

    [Fact]
    public async Task WarmAsync_ReachableWorker_OpensTheChannelWithOneStatusCallCarryingTheToken()
    {
        var calls = new ConcurrentQueue<string?>();
        await using var worker = await StartFakeWorkerAsync(calls);
        using var clients = new WorkerClients(Options.Create(new ClusterOptions { ClusterToken = Token }));
        var warmer = new WorkerChannelWarmer(clients, TimeProvider.System, NullLogger<WorkerChannelWarmer>.Instance);

        Assert.True(await warmer.WarmAsync(Worker(worker.Urls.First())).WaitAsync(TestTimeouts.Default));

        Assert.Equal([Token], calls);
    }

    [Fact]
    public async Task WarmAsync_NobodyListening_GivesUpWithinItsBoundWithoutThrowing()
    {
        using var clients = new WorkerClients(Options.Create(new ClusterOptions { ClusterToken = Token }));
        var warmer = new WorkerChannelWarmer(clients, TimeProvider.System, NullLogger<WorkerChannelWarmer>.Instance);

        Assert.False(await warmer.WarmAsync(Worker($"http://127.0.0.1:{ClosedPort()}")).WaitAsync(TestTimeouts.Default));
    }

    [Fact]
    public async Task WarmAsync_NotAGrpcServer_GivesUpWithoutThrowing()
    {
        // Something else answers on the advertised address: an HTTP/1.1-only endpoint.
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http1));
        await using var other = builder.Build();
        other.MapGet("/", () => "hello");
        await other.StartAsync().WaitAsync(TestTimeouts.Start);
        using var clients = new WorkerClients(Options.Create(new ClusterOptions { ClusterToken = Token }));
        var warmer = new WorkerChannelWarmer(clients, TimeProvider.System, NullLogger<WorkerChannelWarmer>.Instance);

        Assert.False(await warmer.WarmAsync(Worker(other.Urls.First())).WaitAsync(TestTimeouts.Default));
    }

    private static WorkerInfo Worker(string url) => new("w-warm", url.TrimEnd('/'), 1, 0, 0, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch);

    private static int ClosedPort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private static async Task<WebApplication> StartFakeWorkerAsync(ConcurrentQueue<string?> calls)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(calls);
        var app = builder.Build();
        app.MapGrpcService<StatusRecorder>();
        await app.StartAsync().WaitAsync(TestTimeouts.Start);
        return app;
    }

    private sealed class StatusRecorder(ConcurrentQueue<string?> calls) : V1.WorkerService.WorkerServiceBase
    {
        public override Task<V1.WorkerStatus> Status(V1.WorkerStatusRequest request, ServerCallContext context)
        {
            calls.Enqueue(context.RequestHeaders.GetValue(Platform.Hosting.ClusterTokenGate.Header));
            return Task.FromResult(new V1.WorkerStatus { WorkerId = "w-warm" });
        }
    }
}
