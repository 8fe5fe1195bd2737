using System.Collections.Concurrent;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Microsoft.Extensions.Options;
using V1 = Platform.Contracts.V1;

namespace Platform.ControlPlane.Cluster;

/// <summary>One gRPC channel per worker URL (HTTP/2 cleartext), every call carrying the cluster token.</summary>
internal sealed class WorkerClients(IOptions<ClusterOptions> options) : IDisposable
{
    /// <summary>The longest wait between two attempts to reconnect to a worker that went away.</summary>
    public static readonly TimeSpan MaxReconnectBackoff = TimeSpan.FromSeconds(2);

    private readonly ConcurrentDictionary<string, (GrpcChannel Channel, V1.WorkerService.WorkerServiceClient Client)> _clients = new(StringComparer.Ordinal);

    public V1.WorkerService.WorkerServiceClient For(WorkerInfo worker) => _clients.GetOrAdd(worker.AdvertiseUrl, Create).Client;

    public void Dispose()
    {
        foreach (var (channel, _) in _clients.Values) channel.Dispose();
        _clients.Clear();
    }

    private (GrpcChannel, V1.WorkerService.WorkerServiceClient) Create(string url)
    {
        var channel = GrpcChannel.ForAddress(url, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler
            {
                EnableMultipleHttp2Connections = true,
                ConnectTimeout = TimeSpan.FromSeconds(2),
                PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
                KeepAlivePingDelay = TimeSpan.FromSeconds(20),
                KeepAlivePingTimeout = TimeSpan.FromSeconds(10),
            },
            // A dead worker's connection is retried with exponential backoff; gRPC's default ceiling
            // (120 s) kept a restarted worker out of work long after it registered again.
            MaxReconnectBackoff = MaxReconnectBackoff,
            MaxReceiveMessageSize = ClusterRegistration.MaxGrpcInputBytes,
            MaxSendMessageSize = ClusterRegistration.MaxGrpcInputBytes,
        });
        var token = options.Value.ClusterToken!;
        var invoker = channel.Intercept(metadata =>
        {
            metadata.Add(Platform.Hosting.ClusterTokenGate.Header, token);
            return metadata;
        });
        return (channel, new V1.WorkerService.WorkerServiceClient(invoker));
    }
}
