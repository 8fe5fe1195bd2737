using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Options;
using Platform.ControlPlane.Errors;
using Platform.ControlPlane.Functions;
using Platform.Hosting.Artifacts;
using V1 = Platform.Contracts.V1;

namespace Platform.ControlPlane.Cluster;

/// <summary><c>platform.v1.ClusterService</c>: worker registration, heartbeats and module fetches.</summary>
internal sealed class ClusterGrpcService(WorkerRegistry registry, IFunctionCatalog catalog, ArtifactSigning artifacts, Assets.AssetStore assets, IOptions<ClusterOptions> options, TimeProvider time) : V1.ClusterService.ClusterServiceBase
{
    private const int ChunkBytes = 64 * 1024;

    public override async Task<V1.RegisterWorkerResponse> Register(V1.RegisterWorkerRequest request, ServerCallContext context)
    {
        if (string.IsNullOrWhiteSpace(request.WorkerId) || request.WorkerId.Length > 128)
            throw PlatformException.InvalidArgument("worker_id", "worker_id is required (at most 128 characters)");
        if (!Uri.TryCreate(request.AdvertiseUrl, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
            throw PlatformException.InvalidArgument("advertise_url", "advertise_url must be an absolute http(s) URL");

        var token = context.CancellationToken;
        await registry.RegisterAsync(request.WorkerId, request.AdvertiseUrl, Math.Max(request.Capacity, 1), request.Modules.Count, token);

        var now = time.GetUtcNow();
        var workers = registry.Live.Where(w => w.Id != request.WorkerId)
            .Append(new WorkerInfo(request.WorkerId, request.AdvertiseUrl, request.Capacity, 0, 0, now, now))
            .ToList();
        var assigned = (await registry.CurrentModulesAsync(token))
            .Where(sha256 => RendezvousPlacement.IsAssigned(request.WorkerId, sha256, workers, options.Value.ReplicationFactor));
        return new V1.RegisterWorkerResponse
        {
            HeartbeatIntervalMs = (int)options.Value.HeartbeatInterval.TotalMilliseconds,
            AssignedModules = { assigned },
        };
    }

    public override async Task<V1.HeartbeatResponse> Heartbeat(V1.HeartbeatRequest request, ServerCallContext context) =>
        new() { Known = await registry.HeartbeatAsync(request.WorkerId, request.InFlight, request.ModuleCount, context.CancellationToken) };

    public override async Task FetchModule(V1.FetchModuleRequest request, IServerStreamWriter<V1.ModuleBytes> responseStream, ServerCallContext context)
    {
        var module = await catalog.GetModuleAsync(request.Sha256 ?? "", context.CancellationToken)
            ?? throw PlatformException.NotFound($"no module with SHA-256 {request.Sha256}");
        await StreamAsync(module.Bytes, responseStream, context.CancellationToken);

        // Only for the worker's own fingerprint: an artifact of another engine is of no use to it.
        if (string.IsNullOrEmpty(request.EngineFingerprint) || artifacts.TryGet(module.Sha256, request.EngineFingerprint) is not { } artifact)
            return;
        await responseStream.WriteAsync(new V1.ModuleBytes { Artifact = ArtifactWire.Header(artifact) }, context.CancellationToken);
        foreach (var chunk in ArtifactWire.Chunks(artifact))
            await responseStream.WriteAsync(new V1.ModuleBytes { ArtifactChunk = chunk }, context.CancellationToken);
    }

    public override async Task FetchAssets(V1.FetchAssetsRequest request, IServerStreamWriter<V1.ModuleBytes> responseStream, ServerCallContext context)
    {
        var content = await assets.GetContentAsync(request.Sha256 ?? "", context.CancellationToken)
            ?? throw PlatformException.NotFound($"no asset bundle with SHA-256 {request.Sha256}");
        await StreamAsync(content, responseStream, context.CancellationToken);
    }

    private static async Task StreamAsync(byte[] bytes, IServerStreamWriter<V1.ModuleBytes> responseStream, CancellationToken cancellationToken)
    {
        for (var offset = 0; offset < bytes.Length; offset += ChunkBytes)
        {
            var length = Math.Min(ChunkBytes, bytes.Length - offset);
            await responseStream.WriteAsync(new V1.ModuleBytes { Chunk = ByteString.CopyFrom(bytes, offset, length) }, cancellationToken);
        }
    }
}
