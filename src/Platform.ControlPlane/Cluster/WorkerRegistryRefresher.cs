using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Platform.ControlPlane.Cluster;

/// <summary>Reloads the live worker set twice per heartbeat interval.</summary>
internal sealed partial class WorkerRegistryRefresher(WorkerRegistry registry, IOptions<ClusterOptions> options, TimeProvider time, ILogger<WorkerRegistryRefresher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.HeartbeatInterval / 2, time);
        do
        {
            try
            {
                await registry.RefreshAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogRefreshFailed(logger, ex);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not refresh the live workers; routing keeps the last known set")]
    private static partial void LogRefreshFailed(ILogger logger, Exception exception);
}
