using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Platform.ControlPlane.Usage;

/// <summary>
/// Writes the aggregated usage to PostgreSQL every <see cref="UsageOptions.FlushInterval"/>, and
/// once more when the host stops. A failed flush puts the counts back (they are retried at the
/// next one); a crash loses what was counted since the last successful flush.
/// </summary>
internal sealed partial class UsageFlusher(
    UsageAggregator aggregator,
    UsageStore store,
    IOptions<UsageOptions> options,
    TimeProvider time,
    ILogger<UsageFlusher> logger) : BackgroundService
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private long _reportedDropped;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.FlushInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
                await FlushAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        // The final flush: what was counted since the last one.
        await FlushAsync(cancellationToken);
    }

    /// <summary>Writes what is pending; true when it was written (or nothing was pending). Never throws but for cancellation.</summary>
    public async Task<bool> FlushAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            ReportDropped();
            var pending = aggregator.Drain();
            try
            {
                await store.AddAsync(pending, cancellationToken);
                aggregator.Flushed();
                return true;
            }
            catch (Exception ex)
            {
                aggregator.Restore(pending);
                if (ex is OperationCanceledException && cancellationToken.IsCancellationRequested)
                {
                    LogFlushCancelled(logger, pending.Count);
                    return false;
                }

                LogFlushFailed(logger, ex, pending.Count);
                return false;
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    public override void Dispose()
    {
        _gate.Dispose();
        base.Dispose();
    }

    private void ReportDropped()
    {
        var dropped = aggregator.Dropped;
        if (dropped > _reportedDropped)
        {
            LogDropped(logger, dropped - _reportedDropped, options.Value.MaxPendingKeys);
            _reportedDropped = dropped;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Usage flush failed; {Buckets} buckets kept in memory for the next flush")]
    private static partial void LogFlushFailed(ILogger logger, Exception exception, int buckets);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Usage flush cancelled while stopping; {Buckets} buckets not written")]
    private static partial void LogFlushCancelled(ILogger logger, int buckets);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Dropped} invocations were not counted in usage: {MaxPendingKeys} buckets were pending (Platform:Usage:MaxPendingKeys)")]
    private static partial void LogDropped(ILogger logger, long dropped, int maxPendingKeys);
}
