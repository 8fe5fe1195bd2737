using System.Threading.Channels;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Platform.ControlPlane.Functions;
using Platform.ControlPlane.Telemetry;
using Platform.Hosting.Artifacts;
using Platform.Runtime.Artifacts;
using V1 = Platform.Contracts.V1;

namespace Platform.ControlPlane.Cluster;

/// <summary>
/// Pushes a module to the workers placement assigns it to, after its upload committed. Runs in
/// the background: a failed push is logged and never fails the acknowledged upload (the worker
/// fetches the module itself at its first invocation or its next registration).
/// </summary>
internal sealed partial class ModulePusher : BackgroundService
{
    private const int ChunkBytes = 64 * 1024;
    private readonly Channel<string> _queue = Channel.CreateBounded<string>(new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropOldest });
    private readonly WorkerRegistry _registry;
    private readonly WorkerClients _clients;
    private readonly IFunctionCatalog _catalog;
    private readonly ArtifactSigning _artifacts;
    private readonly IOptions<ClusterOptions> _options;
    private readonly ILogger<ModulePusher> _logger;
    private readonly ControlPlaneMetrics _metrics;
    private readonly TimeProvider _time;

    public ModulePusher(WorkerRegistry registry, WorkerClients clients, IFunctionCatalog catalog, ArtifactSigning artifacts, IOptions<ClusterOptions> options, ControlPlaneMetrics metrics, TimeProvider time, ILogger<ModulePusher> logger)
    {
        _artifacts = artifacts;
        _time = time;
        _metrics = metrics;
        _registry = registry;
        _clients = clients;
        _catalog = catalog;
        _options = options;
        _logger = logger;
    }

    /// <summary>Pushes completed (successful or not), for tests and diagnostics.</summary>
    public long PushesSucceeded => Interlocked.Read(ref _succeeded);

    public long PushesFailed => Interlocked.Read(ref _failed);

    private long _succeeded;
    private long _failed;

    public void Enqueue(string moduleSha256) => _queue.Writer.TryWrite(moduleSha256);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var sha256 in _queue.Reader.ReadAllAsync(stoppingToken))
        {
            try
            {
                await PushAsync(sha256, stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogPushFailed(_logger, sha256, "(all)", ex);
            }
        }
    }

    private async Task PushAsync(string sha256, CancellationToken cancellationToken)
    {
        var targets = RendezvousPlacement.Rank(sha256, _registry.Live).Take(_options.Value.ReplicationFactor).ToList();
        if (targets.Count == 0) return;
        var module = await _catalog.GetModuleAsync(sha256, cancellationToken);
        if (module is null) return;
        var artifact = _artifacts.TryGet(sha256);
        await Task.WhenAll(targets.Select(worker => PushToAsync(worker, module, artifact, cancellationToken)));
    }

    private async Task PushToAsync(WorkerInfo worker, ModuleContent module, SignedArtifact? artifact, CancellationToken cancellationToken)
    {
        try
        {
            using var call = _clients.For(worker).PushModule(deadline: _time.GetUtcNow().UtcDateTime + _options.Value.PushTimeout, cancellationToken: cancellationToken);
            var header = new V1.PushModuleHeader { Sha256 = module.Sha256, SizeBytes = module.Bytes.Length, Artifact = artifact is null ? null : ArtifactWire.Header(artifact) };
            await call.RequestStream.WriteAsync(new V1.PushModuleRequest { Header = header }, cancellationToken);
            for (var offset = 0; offset < module.Bytes.Length; offset += ChunkBytes)
            {
                var length = Math.Min(ChunkBytes, module.Bytes.Length - offset);
                await call.RequestStream.WriteAsync(new V1.PushModuleRequest { Chunk = ByteString.CopyFrom(module.Bytes, offset, length) }, cancellationToken);
            }

            if (artifact is not null)
            {
                foreach (var chunk in ArtifactWire.Chunks(artifact))
                    await call.RequestStream.WriteAsync(new V1.PushModuleRequest { ArtifactChunk = chunk }, cancellationToken);
            }

            await call.RequestStream.CompleteAsync();
            var response = await call;
            Interlocked.Increment(ref _succeeded);
            _metrics.Pushed(ok: true);
            LogPushed(_logger, module.Sha256, worker.Id, response.ArtifactLoaded, response.Compiled, response.CompileMs);
        }
        catch (RpcException ex)
        {
            Interlocked.Increment(ref _failed);
            _metrics.Pushed(ok: false);
            LogPushFailed(_logger, module.Sha256, worker.Id, ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Pushed module {Sha256} to worker {WorkerId} (artifact loaded: {ArtifactLoaded}, compiled: {Compiled}, {CompileMs:0.0} ms)")]
    private static partial void LogPushed(ILogger logger, string sha256, string workerId, bool artifactLoaded, bool compiled, double compileMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Push of module {Sha256} to worker {WorkerId} failed; the worker will fetch it when needed")]
    private static partial void LogPushFailed(ILogger logger, string sha256, string workerId, Exception exception);
}
