using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Platform.ControlPlane.Functions;
using Platform.ControlPlane.Telemetry;
using Platform.Hosting.Artifacts;
using Platform.Runtime.Artifacts;
using V1 = Platform.Contracts.V1;

namespace Platform.ControlPlane.Cluster;

/// <summary>
/// Pushes a module, with its signed artifact, to the workers placement assigns it to, after its
/// upload committed and before the upload is answered: a deploy returns once the function is ready
/// on those workers. A failed push is logged and never fails the acknowledged upload (the worker
/// fetches the module itself at its first invocation or its next registration).
/// </summary>
internal sealed partial class ModulePusher
{
    private const int ChunkBytes = 64 * 1024;
    private readonly WorkerRegistry _registry;
    private readonly WorkerClients _clients;
    private readonly ArtifactSigning _artifacts;
    private readonly IOptions<ClusterOptions> _options;
    private readonly ILogger<ModulePusher> _logger;
    private readonly ControlPlaneMetrics _metrics;
    private readonly TimeProvider _time;

    public ModulePusher(WorkerRegistry registry, WorkerClients clients, ArtifactSigning artifacts, IOptions<ClusterOptions> options, ControlPlaneMetrics metrics, TimeProvider time, ILogger<ModulePusher> logger)
    {
        _artifacts = artifacts;
        _time = time;
        _metrics = metrics;
        _registry = registry;
        _clients = clients;
        _options = options;
        _logger = logger;
    }

    /// <summary>Pushes completed (successful or not), for tests and diagnostics.</summary>
    public long PushesSucceeded => Interlocked.Read(ref _succeeded);

    public long PushesFailed => Interlocked.Read(ref _failed);

    private long _succeeded;
    private long _failed;

    /// <summary>
    /// Pushes to every assigned live worker at once, each call bounded by
    /// <see cref="ClusterOptions.PushTimeout"/>; returns how many of them hold the module now.
    /// </summary>
    public async Task<PushSummary> PushAsync(ModuleContent module, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(module);
        var targets = RendezvousPlacement.Rank(module.Sha256, _registry.Live).Take(_options.Value.ReplicationFactor).ToList();
        if (targets.Count == 0) return new PushSummary(0, 0);
        var artifact = _artifacts.TryGet(module.Sha256);
        var ready = await Task.WhenAll(targets.Select(worker => PushToAsync(worker, module, artifact, cancellationToken)));
        return new PushSummary(targets.Count, ready.Count(ok => ok));
    }

    private async Task<bool> PushToAsync(WorkerInfo worker, ModuleContent module, SignedArtifact? artifact, CancellationToken cancellationToken)
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
            return true;
        }
        catch (RpcException ex)
        {
            Interlocked.Increment(ref _failed);
            _metrics.Pushed(ok: false);
            LogPushFailed(_logger, module.Sha256, worker.Id, ex);
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Pushed module {Sha256} to worker {WorkerId} (artifact loaded: {ArtifactLoaded}, compiled: {Compiled}, {CompileMs:0.0} ms)")]
    private static partial void LogPushed(ILogger logger, string sha256, string workerId, bool artifactLoaded, bool compiled, double compileMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Push of module {Sha256} to worker {WorkerId} failed; the worker will fetch it when needed")]
    private static partial void LogPushFailed(ILogger logger, string sha256, string workerId, Exception exception);
}

/// <summary>A push's result: the workers placement assigned, and how many of them hold the module now.</summary>
internal readonly record struct PushSummary(int Targets, int Ready);
