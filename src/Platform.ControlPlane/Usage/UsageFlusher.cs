using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Platform.ControlPlane.Database;

namespace Platform.ControlPlane.Usage;

/// <summary>Writes the aggregated usage to PostgreSQL every <see cref="UsageOptions.FlushInterval"/> (see <see cref="PeriodicFlusher{TBatch}"/>).</summary>
internal sealed class UsageFlusher(
    UsageAggregator aggregator,
    UsageStore store,
    IOptions<UsageOptions> options,
    TimeProvider time,
    ILogger<UsageFlusher> logger) : PeriodicFlusher<Dictionary<UsageKey, UsageCounts>>(options.Value.FlushInterval, time, logger)
{
    protected override string What => "Usage";

    protected override long Dropped => aggregator.Dropped;

    protected override string Bound => $"Platform:Usage:MaxPendingKeys, {options.Value.MaxPendingKeys} buckets";

    protected override Dictionary<UsageKey, UsageCounts> Drain() => aggregator.Drain();

    protected override void Restore(Dictionary<UsageKey, UsageCounts> batch) => aggregator.Restore(batch);

    protected override async Task WriteAsync(Dictionary<UsageKey, UsageCounts> batch, CancellationToken cancellationToken)
    {
        await store.AddAsync(batch, cancellationToken);
        aggregator.Flushed();
    }
}
