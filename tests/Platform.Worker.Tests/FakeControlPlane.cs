using System.Collections.Concurrent;
using System.Net;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Platform.Contracts.V1;

namespace Platform.Worker.Tests;

/// <summary>
/// A real gRPC ClusterService on a loopback port: records registrations and heartbeats, serves
/// FetchModule and FetchAssets from dictionaries (counting fetches), assigns modules, and can forget its workers.
/// </summary>
internal sealed class FakeControlPlane : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FakeControlPlane(WebApplication app, ClusterState state, int port)
    {
        _app = app;
        State = state;
        Port = port;
    }

    public ClusterState State { get; }

    public int Port { get; }

    public string Url => $"http://127.0.0.1:{Port}";

    /// <summary>Starts on <paramref name="port"/> (0: a free one), reusing <paramref name="state"/> if given.</summary>
    public static async Task<FakeControlPlane> StartAsync(int port = 0, ClusterState? state = null)
    {
        state ??= new ClusterState();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port, l => l.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(state);
        var app = builder.Build();
        app.MapGrpcService<FakeClusterService>();
        await app.StartAsync().WaitAsync(TestTimeouts.Start);
        var bound = new Uri(app.Urls.First()).Port;
        return new FakeControlPlane(app, state, bound);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().WaitAsync(TestTimeouts.Stop);
        await _app.DisposeAsync();
    }
}

internal sealed class ClusterState
{
    public const string Token = "test-cluster-token-0123456789-0123456789";

    public ConcurrentQueue<RegisterWorkerRequest> Registrations { get; } = new();

    /// <summary>What happened, in order: each registration as <c>register</c>, and whatever a test adds (e.g. the worker's calls).</summary>
    public ConcurrentQueue<string> Timeline { get; } = new();

    public ConcurrentQueue<HeartbeatRequest> Heartbeats { get; } = new();

    public ConcurrentDictionary<string, byte[]> Modules { get; } = new();

    public ConcurrentDictionary<string, int> Fetches { get; } = new();

    /// <summary>Signed artifacts a fetch sends after the module when the worker's fingerprint matches.</summary>
    public ConcurrentDictionary<string, Platform.Runtime.Artifacts.SignedArtifact> Artifacts { get; } = new();

    /// <summary>The engine fingerprints fetches asked for.</summary>
    public ConcurrentQueue<string> FetchedFingerprints { get; } = new();

    /// <summary>Asset bundles (canonical tars) by SHA-256, served by FetchAssets.</summary>
    public ConcurrentDictionary<string, byte[]> Assets { get; } = new();

    public ConcurrentDictionary<string, int> AssetFetches { get; } = new();

    public int AssetFetchCount(string sha256) => AssetFetches.TryGetValue(sha256, out var count) ? count : 0;

    /// <summary>Modules every registration is told it is assigned.</summary>
    public ConcurrentBag<string> Assigned { get; } = new();

    /// <summary>Tokens presented that were not the cluster token.</summary>
    public ConcurrentQueue<string> RejectedTokens { get; } = new();

    public int HeartbeatIntervalMs { get; set; } = 100;

    /// <summary>How long a fetch takes before its first chunk (lets concurrent callers pile up).</summary>
    public TimeSpan FetchDelay { get; set; }

    /// <summary>When set, heartbeats answer known = false until the worker registers again.</summary>
    public volatile bool ForgetWorkers;

    public int FetchCount(string sha256) => Fetches.TryGetValue(sha256, out var count) ? count : 0;

    public void Add(Guest guest) => Modules[guest.Sha256] = guest.Bytes;
}

internal sealed class FakeClusterService(ClusterState state) : ClusterService.ClusterServiceBase
{
    public override Task<RegisterWorkerResponse> Register(RegisterWorkerRequest request, ServerCallContext context)
    {
        CheckToken(context);
        state.Timeline.Enqueue("register");
        state.Registrations.Enqueue(request);
        state.ForgetWorkers = false;
        return Task.FromResult(new RegisterWorkerResponse
        {
            HeartbeatIntervalMs = state.HeartbeatIntervalMs,
            AssignedModules = { state.Assigned },
        });
    }

    public override Task<HeartbeatResponse> Heartbeat(HeartbeatRequest request, ServerCallContext context)
    {
        CheckToken(context);
        state.Heartbeats.Enqueue(request);
        return Task.FromResult(new HeartbeatResponse { Known = !state.ForgetWorkers });
    }

    public override async Task FetchModule(FetchModuleRequest request, IServerStreamWriter<ModuleBytes> responseStream, ServerCallContext context)
    {
        CheckToken(context);
        state.Fetches.AddOrUpdate(request.Sha256, 1, (_, count) => count + 1);
        if (state.FetchDelay > TimeSpan.Zero)
            await Task.Delay(state.FetchDelay, context.CancellationToken);
        if (!state.Modules.TryGetValue(request.Sha256, out var bytes))
            throw new RpcException(new Status(StatusCode.NotFound, $"no module {request.Sha256}"));
        const int chunk = 16 * 1024;
        for (var offset = 0; offset < bytes.Length; offset += chunk)
        {
            await responseStream.WriteAsync(new ModuleBytes { Chunk = ByteString.CopyFrom(bytes, offset, Math.Min(chunk, bytes.Length - offset)) }, context.CancellationToken);
        }

        state.FetchedFingerprints.Enqueue(request.EngineFingerprint);
        if (!state.Artifacts.TryGetValue(request.Sha256, out var artifact) || artifact.Fingerprint != request.EngineFingerprint)
            return;
        await responseStream.WriteAsync(new ModuleBytes { Artifact = ArtifactShipping.Header(artifact) }, context.CancellationToken);
        foreach (var piece in ArtifactShipping.Chunks(artifact.Bytes, chunk))
            await responseStream.WriteAsync(new ModuleBytes { ArtifactChunk = piece }, context.CancellationToken);
    }

    public override async Task FetchAssets(FetchAssetsRequest request, IServerStreamWriter<ModuleBytes> responseStream, ServerCallContext context)
    {
        CheckToken(context);
        state.AssetFetches.AddOrUpdate(request.Sha256, 1, (_, count) => count + 1);
        if (state.FetchDelay > TimeSpan.Zero)
            await Task.Delay(state.FetchDelay, context.CancellationToken);
        if (!state.Assets.TryGetValue(request.Sha256, out var bytes))
            throw new RpcException(new Status(StatusCode.NotFound, $"no asset bundle {request.Sha256}"));
        const int chunk = 16 * 1024;
        for (var offset = 0; offset < bytes.Length; offset += chunk)
            await responseStream.WriteAsync(new ModuleBytes { Chunk = ByteString.CopyFrom(bytes, offset, Math.Min(chunk, bytes.Length - offset)) }, context.CancellationToken);
    }

    private void CheckToken(ServerCallContext context)
    {
        var token = context.RequestHeaders.GetValue(ClusterMetadata.TokenHeader);
        if (token == ClusterState.Token) return;
        state.RejectedTokens.Enqueue(token ?? "<none>");
        throw new RpcException(new Status(StatusCode.Unauthenticated, "wrong cluster token"));
    }
}
