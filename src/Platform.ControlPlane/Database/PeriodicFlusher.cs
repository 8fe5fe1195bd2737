using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Platform.ControlPlane.Database;

/// <summary>
/// Writes what the invoke path queued in memory to PostgreSQL every interval, and once more when
/// the host stops, so the invoke path never waits for the database. A failed flush puts the batch
/// back (retried at the next one); a crash loses what was queued since the last successful flush.
/// Usage counts and the invocation history both batch this way.
/// </summary>
/// <typeparam name="TBatch">What one flush drains and writes.</typeparam>
internal abstract partial class PeriodicFlusher<TBatch>(TimeSpan interval, TimeProvider time, ILogger logger) : BackgroundService
    where TBatch : System.Collections.ICollection
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private long _reportedDropped;

    /// <summary>What is flushed, in log lines ("Usage", "History").</summary>
    protected abstract string What { get; }

    /// <summary>Entries the queue refused since start because it was full.</summary>
    protected abstract long Dropped { get; }

    /// <summary>The queue's bound, for the log line about dropped entries (names the setting).</summary>
    protected abstract string Bound { get; }

    protected abstract TBatch Drain();

    protected abstract void Restore(TBatch batch);

    /// <summary>Writes one drained batch; throws when it was not written.</summary>
    protected abstract Task WriteAsync(TBatch batch, CancellationToken cancellationToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(interval, time);
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
        // The final flush: what was queued since the last one.
        await FlushAsync(cancellationToken);
    }

    /// <summary>Writes what is queued; true when it was written (or nothing was queued). Never throws but for cancellation.</summary>
    public async Task<bool> FlushAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            ReportDropped();
            var pending = Drain();
            try
            {
                await WriteAsync(pending, cancellationToken);
                return true;
            }
            catch (Exception ex)
            {
                Restore(pending);
                if (ex is OperationCanceledException && cancellationToken.IsCancellationRequested)
                {
                    LogFlushCancelled(logger, What, pending.Count);
                    return false;
                }

                LogFlushFailed(logger, ex, What, pending.Count);
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
        GC.SuppressFinalize(this);
    }

    private void ReportDropped()
    {
        var dropped = Dropped;
        if (dropped > _reportedDropped)
        {
            LogDropped(logger, dropped - _reportedDropped, What, Bound);
            _reportedDropped = dropped;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{What} flush failed; {Entries} entries kept in memory for the next flush")]
    private static partial void LogFlushFailed(ILogger logger, Exception exception, string what, int entries);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{What} flush cancelled while stopping; {Entries} entries not written")]
    private static partial void LogFlushCancelled(ILogger logger, string what, int entries);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Dropped} invocations were left out of {What}: the queue was full ({Bound})")]
    private static partial void LogDropped(ILogger logger, long dropped, string what, string bound);
}
