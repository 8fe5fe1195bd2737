using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Platform.ControlPlane.Database;

namespace Platform.ControlPlane.History;

/// <summary>Writes the queued invocation records to PostgreSQL every <see cref="HistoryOptions.FlushInterval"/> (see <see cref="PeriodicFlusher{TBatch}"/>).</summary>
internal sealed class HistoryFlusher(
    HistoryBuffer buffer,
    HistoryStore store,
    IOptions<HistoryOptions> options,
    TimeProvider time,
    ILogger<HistoryFlusher> logger) : PeriodicFlusher<List<InvocationRecord>>(options.Value.FlushInterval, time, logger)
{
    protected override string What => "History";

    protected override long Dropped => buffer.Dropped;

    protected override string Bound => $"Platform:History:MaxPendingBytes, {options.Value.MaxPendingBytes} bytes";

    protected override List<InvocationRecord> Drain() => buffer.Drain();

    protected override void Restore(List<InvocationRecord> batch) => buffer.Restore(batch);

    protected override Task WriteAsync(List<InvocationRecord> batch, CancellationToken cancellationToken) => store.AddAsync(batch, cancellationToken);
}
