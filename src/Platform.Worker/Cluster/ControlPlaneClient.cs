using System.Net;
using System.Security.Cryptography;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Microsoft.Extensions.Options;
using Platform.Contracts.V1;
using Platform.Worker.Modules;

namespace Platform.Worker.Cluster;

/// <summary>
/// The worker's one channel to the control plane (HTTP/2 cleartext, prior knowledge), with the
/// cluster token added to every call.
/// </summary>
internal sealed class ControlPlaneClient : IDisposable
{
    private readonly GrpcChannel _channel;
    private readonly WorkerOptions _options;
    private readonly TimeProvider _time;

    public ControlPlaneClient(IOptions<WorkerOptions> options, TimeProvider time)
    {
        _options = options.Value;
        _time = time;
        var handler = new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = true,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            KeepAlivePingDelay = TimeSpan.FromSeconds(30),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(10),
            ConnectTimeout = TimeSpan.FromSeconds(5),
        };
        _channel = GrpcChannel.ForAddress(_options.ControlPlaneUrl, new GrpcChannelOptions
        {
            HttpHandler = handler,
            HttpVersion = HttpVersion.Version20,
            HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            DisposeHttpClient = true,
            // The registration loop has its own backoff; gRPC's reconnect ceiling (120 s by
            // default) must not keep a restarted control plane waiting for its workers.
            MaxReconnectBackoff = TimeSpan.FromSeconds(2),
            MaxReceiveMessageSize = 4 << 20,
        });
        var token = _options.ClusterToken ?? string.Empty;
        Client = new ClusterService.ClusterServiceClient(_channel.Intercept(metadata =>
        {
            metadata.Add(ClusterMetadata.TokenHeader, token);
            return metadata;
        }));
    }

    public ClusterService.ClusterServiceClient Client { get; }

    /// <summary>A deadline <paramref name="timeout"/> from now, in the form gRPC takes.</summary>
    public DateTime Deadline(TimeSpan timeout) => _time.GetUtcNow().UtcDateTime + timeout;

    public DateTime CallDeadline() => Deadline(_options.ControlPlaneCallTimeout);

    /// <summary>
    /// Streams a module's bytes and checks them against <paramref name="sha256"/>, with the signed
    /// artifact for <paramref name="fingerprint"/> when the control plane has one (unverified: the
    /// cache verifies it). Any failure (unreachable, unknown module, oversize, corrupt transfer) is a
    /// <see cref="ModuleUnavailableException"/>.
    /// </summary>
    public Task<(byte[] Wasm, ArtifactReceiver? Artifact)> FetchModuleAsync(string sha256, string fingerprint, long maxArtifactBytes, CancellationToken cancellationToken) =>
        FetchAsync("module", sha256, _options.MaxModuleBytes, maxArtifactBytes, Client.FetchModule(new FetchModuleRequest { Sha256 = sha256, EngineFingerprint = fingerprint }, deadline: Deadline(_options.FetchTimeout), cancellationToken: cancellationToken), cancellationToken);

    /// <summary>Streams an asset bundle's canonical tar and checks it against <paramref name="sha256"/>; failures as for modules.</summary>
    public async Task<byte[]> FetchAssetsAsync(string sha256, long maxBytes, CancellationToken cancellationToken) =>
        (await FetchAsync("asset bundle", sha256, maxBytes, maxArtifactBytes: 0, Client.FetchAssets(new FetchAssetsRequest { Sha256 = sha256 }, deadline: Deadline(_options.FetchTimeout), cancellationToken: cancellationToken), cancellationToken)).Bytes;

    /// <summary>The stream of a module (with its artifact, when <paramref name="maxArtifactBytes"/> allows one) or of an asset bundle.</summary>
    private static async Task<(byte[] Bytes, ArtifactReceiver? Artifact)> FetchAsync(string what, string sha256, long maxBytes, long maxArtifactBytes, AsyncServerStreamingCall<ModuleBytes> started, CancellationToken cancellationToken)
    {
        try
        {
            using var call = started;
            using var buffer = new MemoryStream();
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            ArtifactReceiver? artifact = null;
            while (await call.ResponseStream.MoveNext(cancellationToken))
            {
                var message = call.ResponseStream.Current;
                if (message.Artifact is not null)
                {
                    if (maxArtifactBytes <= 0) throw new ModuleUnavailableException($"the control plane sent an artifact with {what} {sha256}");
                    if (artifact is not null) throw new ModuleUnavailableException($"the control plane sent two artifact headers for {what} {sha256}");
                    artifact = new ArtifactReceiver(message.Artifact, sha256, maxArtifactBytes);
                }

                if (!message.ArtifactChunk.IsEmpty)
                {
                    if (artifact is null) throw new ModuleUnavailableException($"the control plane sent artifact bytes without a header for {what} {sha256}");
                    artifact.Append(message.ArtifactChunk);
                }

                var chunk = message.Chunk.Span;
                if (buffer.Length + chunk.Length > maxBytes)
                    throw new ModuleUnavailableException($"{what} {sha256} is larger than {maxBytes} bytes");
                hash.AppendData(chunk);
                buffer.Write(chunk);
            }

            var actual = Convert.ToHexStringLower(hash.GetHashAndReset());
            if (actual != sha256)
                throw new ModuleUnavailableException($"the control plane sent bytes whose SHA-256 is {actual}, not {sha256}");
            return (buffer.ToArray(), artifact);
        }
        catch (RpcException ex)
        {
            throw new ModuleUnavailableException($"fetching {what} {sha256} from the control plane failed: {ex.StatusCode}: {ex.Status.Detail}", ex);
        }
    }

    public void Dispose() => _channel.Dispose();
}

/// <summary>A module the worker lacks could not be had from the control plane (UNAVAILABLE to the caller).</summary>
internal sealed class ModuleUnavailableException : Exception
{
    public ModuleUnavailableException(string message)
        : base(message)
    {
    }

    public ModuleUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
