using Microsoft.Extensions.Options;

namespace Platform.ControlPlane.History;

/// <summary>
/// Records not yet written to PostgreSQL. Thread-safe: the invoke path adds, the flusher takes
/// everything at once (<see cref="Drain"/>) and gives it back when the write failed
/// (<see cref="Restore"/>). At most <see cref="HistoryOptions.MaxPendingBytes"/> are held; a
/// record beyond it is dropped and counted in <see cref="Dropped"/>, never waited for.
/// </summary>
internal sealed class HistoryBuffer(IOptions<HistoryOptions> options)
{
    private readonly Lock _lock = new();
    private readonly bool _enabled = options.Value.Enabled;
    private readonly long _maxBytes = options.Value.MaxPendingBytes;
    private List<InvocationRecord> _pending = [];
    private long _pendingBytes;
    private long _dropped;

    /// <summary>Records dropped since start because the buffer was full.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    public int Count
    {
        get
        {
            lock (_lock) return _pending.Count;
        }
    }

    /// <summary>Queues a record for the next flush; nothing when the history is off (<see cref="HistoryOptions.Enabled"/>).</summary>
    public void Add(InvocationRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (!_enabled) return;
        lock (_lock)
        {
            if (_pendingBytes + record.ApproximateBytes > _maxBytes)
            {
                _dropped++;
                return;
            }

            _pending.Add(record);
            _pendingBytes += record.ApproximateBytes;
        }
    }

    /// <summary>Takes everything pending, oldest first; the caller writes it or gives it back with <see cref="Restore"/>.</summary>
    public List<InvocationRecord> Drain()
    {
        lock (_lock)
        {
            var drained = _pending;
            _pending = [];
            _pendingBytes = 0;
            return drained;
        }
    }

    /// <summary>Puts back what a failed flush took, ahead of what arrived meanwhile, within the cap.</summary>
    public void Restore(List<InvocationRecord> drained)
    {
        ArgumentNullException.ThrowIfNull(drained);
        lock (_lock)
        {
            var merged = new List<InvocationRecord>(drained.Count + _pending.Count);
            long bytes = 0;
            foreach (var record in drained.Concat(_pending))
            {
                if (bytes + record.ApproximateBytes > _maxBytes)
                {
                    _dropped++;
                    continue;
                }

                merged.Add(record);
                bytes += record.ApproximateBytes;
            }

            _pending = merged;
            _pendingBytes = bytes;
        }
    }
}
