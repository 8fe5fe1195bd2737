using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Platform.ControlPlane.History;

namespace Platform.ControlPlane.Tail;

/// <summary>
/// Feeds a <see cref="TailFeed"/> from the history table: every poll reads the records of the
/// last <see cref="TailOptions.Lookback"/> that match the filters and offers those not offered
/// before, oldest first. Polling the table (not this replica's memory) is what makes a tail see
/// the invocations every replica routed.
/// </summary>
internal sealed partial class TailPoller(HistoryStore store, IOptions<TailOptions> options, TimeProvider time, ILogger<TailPoller> logger)
{
    /// <summary>Most ids remembered as offered; far more than a lookback window holds for one tail at any sane rate.</summary>
    private const int MaxRemembered = 50_000;

    public async Task RunAsync(Guid tenantId, HistoryQuery query, DateTimeOffset since, TailFeed feed, CancellationToken cancellationToken)
    {
        var offered = new HashSet<string>(StringComparer.Ordinal);
        var order = new Queue<string>();
        using var timer = new PeriodicTimer(options.Value.PollInterval, time);
        try
        {
            do
            {
                var from = Max(since, time.GetUtcNow() - options.Value.Lookback);
                IReadOnlyList<InvocationRecord> records;
                try
                {
                    records = await store.SinceAsync(tenantId, query, from, cancellationToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // The database is away: the tail waits for it rather than ending.
                    LogPollFailed(logger, ex);
                    continue;
                }

                foreach (var record in records)
                {
                    if (!offered.Add(record.Id)) continue;
                    order.Enqueue(record.Id);
                    if (order.Count > MaxRemembered) offered.Remove(order.Dequeue());
                    feed.Offer(record);
                }
            }
            while (await timer.WaitForNextTickAsync(cancellationToken));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            feed.Complete();
        }
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    [LoggerMessage(Level = LogLevel.Warning, Message = "A live tail could not read the history; it polls again at the next interval")]
    private static partial void LogPollFailed(ILogger logger, Exception exception);
}
