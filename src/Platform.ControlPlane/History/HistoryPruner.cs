using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Platform.ControlPlane.History;

/// <summary>
/// Deletes every <see cref="HistoryOptions.PruneInterval"/> the records past their tenant's
/// retention: older than <c>historyRetentionHours</c>, or beyond the newest
/// <c>maxHistoryRecords</c>. Every replica runs it; the deletes are idempotent.
/// </summary>
internal sealed partial class HistoryPruner(
    HistoryStore store,
    IOptions<HistoryOptions> options,
    TimeProvider time,
    ILogger<HistoryPruner> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.PruneInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    var deleted = await store.PruneAsync(time.GetUtcNow(), stoppingToken);
                    if (deleted > 0) LogPruned(logger, deleted);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogPruneFailed(logger, ex);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "History pruned: {Deleted} records past their tenant's retention")]
    private static partial void LogPruned(ILogger logger, long deleted);

    [LoggerMessage(Level = LogLevel.Warning, Message = "History pruning failed; retried at the next interval")]
    private static partial void LogPruneFailed(ILogger logger, Exception exception);
}
