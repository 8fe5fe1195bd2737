using Microsoft.Extensions.Options;
using Platform.Runtime;

namespace Platform.ControlPlane.Usage;

/// <summary>One (tenant, function, minute) bucket.</summary>
internal readonly record struct UsageKey(Guid TenantId, string Function, DateTime Minute);

/// <summary>What a bucket has counted so far.</summary>
internal sealed class UsageCounts
{
    public long Invocations { get; set; }

    public long Failures { get; set; }

    public long Fuel { get; set; }

    public long DurationUs { get; set; }

    public Dictionary<string, long> Outcomes { get; } = new(StringComparer.Ordinal);

    public void Add(UsageCounts other)
    {
        Invocations += other.Invocations;
        Failures += other.Failures;
        Fuel += other.Fuel;
        DurationUs += other.DurationUs;
        foreach (var (outcome, count) in other.Outcomes)
            Outcomes[outcome] = Outcomes.GetValueOrDefault(outcome) + count;
    }
}

/// <summary>
/// Usage not yet written to PostgreSQL, per tenant, function and minute (UTC). Thread-safe: the
/// invoke path records, the flusher takes everything at once (<see cref="Drain"/>) and gives it
/// back when the write failed (<see cref="Restore"/>). At most <see cref="UsageOptions.MaxPendingKeys"/>
/// buckets are held; what would need another one is dropped and counted in <see cref="Dropped"/>.
/// </summary>
internal sealed class UsageAggregator(IOptions<UsageOptions> options, TimeProvider time)
{
    private readonly Lock _lock = new();
    private readonly int _maxKeys = options.Value.MaxPendingKeys;
    private Dictionary<UsageKey, UsageCounts> _pending = [];
    private long _dropped;
    private long _lastFlush = time.GetTimestamp();

    /// <summary>Invocations dropped since start because the pending buckets were at their cap.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    public int PendingKeys
    {
        get
        {
            lock (_lock) return _pending.Count;
        }
    }

    /// <summary>Time since the last successful flush (since start before the first).</summary>
    public TimeSpan FlushLag => time.GetElapsedTime(Interlocked.Read(ref _lastFlush));

    /// <summary>Counts one invocation that ran on a worker (any outcome; failures are outcomes other than OK).</summary>
    public void Record(Guid tenantId, string function, Outcome outcome, long fuelConsumed, long durationUs)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var key = new UsageKey(tenantId, function, new DateTime(now.Ticks - (now.Ticks % TimeSpan.TicksPerMinute), DateTimeKind.Utc));
        lock (_lock)
        {
            if (!_pending.TryGetValue(key, out var counts))
            {
                if (_pending.Count >= _maxKeys)
                {
                    _dropped++;
                    return;
                }

                counts = new UsageCounts();
                _pending.Add(key, counts);
            }

            counts.Invocations++;
            if (outcome != Outcome.Ok) counts.Failures++;
            counts.Fuel += Math.Max(0, fuelConsumed);
            counts.DurationUs += Math.Max(0, durationUs);
            var code = outcome.ToCode();
            counts.Outcomes[code] = counts.Outcomes.GetValueOrDefault(code) + 1;
        }
    }

    /// <summary>Takes everything pending; the caller writes it, then <see cref="Flushed"/> or <see cref="Restore"/>.</summary>
    public Dictionary<UsageKey, UsageCounts> Drain()
    {
        lock (_lock)
        {
            var drained = _pending;
            _pending = [];
            return drained;
        }
    }

    /// <summary>Puts back what a failed flush took, merged with what arrived meanwhile, within the cap.</summary>
    public void Restore(Dictionary<UsageKey, UsageCounts> drained)
    {
        ArgumentNullException.ThrowIfNull(drained);
        lock (_lock)
        {
            foreach (var (key, counts) in drained)
            {
                if (_pending.TryGetValue(key, out var current))
                {
                    current.Add(counts);
                }
                else if (_pending.Count < _maxKeys)
                {
                    _pending.Add(key, counts);
                }
                else
                {
                    _dropped += counts.Invocations;
                }
            }
        }
    }

    /// <summary>Marks a successful flush (the <c>platform.usage.flush.lag</c> gauge restarts from 0).</summary>
    public void Flushed() => Interlocked.Exchange(ref _lastFlush, time.GetTimestamp());
}
