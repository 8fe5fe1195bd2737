using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Platform.ControlPlane.History;

/// <summary>
/// Writes the queued records to PostgreSQL every <see cref="HistoryOptions.FlushInterval"/>, and
/// once more when the host stops. A failed flush puts the records back (retried at the next
/// one); a crash loses what was queued since the last successful flush.
/// </summary>
internal sealed partial class HistoryFlusher(
    HistoryBuffer buffer,
    HistoryStore store,
    IOptions<HistoryOptions> options,
    TimeProvider time,
    ILogger<HistoryFlusher> logger) : BackgroundService
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
        await FlushAsync(cancellationToken);
    }

    /// <summary>Writes what is queued; true when it was written (or nothing was queued). Never throws but for cancellation.</summary>
    public async Task<bool> FlushAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            ReportDropped();
            var pending = buffer.Drain();
            try
            {
                await store.AddAsync(pending, cancellationToken);
                return true;
            }
            catch (Exception ex)
            {
                buffer.Restore(pending);
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
        var dropped = buffer.Dropped;
        if (dropped > _reportedDropped)
        {
            LogDropped(logger, dropped - _reportedDropped, options.Value.MaxPendingBytes);
            _reportedDropped = dropped;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "History flush failed; {Records} records kept in memory for the next flush")]
    private static partial void LogFlushFailed(ILogger logger, Exception exception, int records);

    [LoggerMessage(Level = LogLevel.Warning, Message = "History flush cancelled while stopping; {Records} records not written")]
    private static partial void LogFlushCancelled(ILogger logger, int records);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Dropped} invocations were not recorded in the history: {MaxPendingBytes} bytes of records were pending (Platform:History:MaxPendingBytes)")]
    private static partial void LogDropped(ILogger logger, long dropped, long maxPendingBytes);
}
