using Grpc.Core;
using Microsoft.Extensions.Logging;
using V1 = Platform.Contracts.V1;

namespace Platform.ControlPlane.Cluster;

/// <summary>
/// Opens this control plane's connection to a worker as the worker registers, with one Status
/// call, so that the first invocation routed to it does not pay for the connect. After a restart
/// the worker's channel may also be waiting out its reconnect backoff: the Status call waits for
/// the channel to be ready (at most <see cref="Timeout"/>), not a tenant's call. Best effort: a
/// worker this replica cannot reach yet is logged and left to the invoke path's own handling.
/// </summary>
internal sealed partial class WorkerChannelWarmer(WorkerClients clients, TimeProvider time, ILogger<WorkerChannelWarmer> logger)
{
    /// <summary>Long enough to outlast one reconnect backoff of the channel.</summary>
    public static readonly TimeSpan Timeout = WorkerClients.MaxReconnectBackoff + TimeSpan.FromSeconds(1);

    /// <summary>Starts warming the channel to <paramref name="worker"/> and returns at once.</summary>
    public void Warm(WorkerInfo worker) => _ = WarmAsync(worker);

    /// <summary>True when the worker answered; never throws.</summary>
    internal async Task<bool> WarmAsync(WorkerInfo worker)
    {
        try
        {
            var options = new CallOptions(deadline: time.GetUtcNow().UtcDateTime + Timeout).WithWaitForReady();
            await clients.For(worker).StatusAsync(new V1.WorkerStatusRequest(), options);
            return true;
        }
        catch (RpcException ex)
        {
            LogNotWarmed(logger, worker.Id, worker.AdvertiseUrl, ex.StatusCode, ex.Status.Detail);
            return false;
        }
        catch (ObjectDisposedException)
        {
            // Shutting down: the channels are gone.
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Could not open the connection to worker {WorkerId} at {Url} as it registered: {Status} {Detail}")]
    private static partial void LogNotWarmed(ILogger logger, string workerId, string url, StatusCode status, string detail);
}
