using System.Threading.RateLimiting;

namespace Platform.ControlPlane.Limits;

/// <summary>
/// A token bucket (a <see cref="RateLimiter"/>, no queue) whose refill is computed from a
/// <see cref="TimeProvider"/>'s timestamps when a permit is asked for: <c>rate</c> tokens a
/// second up to <c>burst</c>. The BCL's <see cref="TokenBucketRateLimiter"/> reads
/// <see cref="System.Diagnostics.Stopwatch"/> itself (even with manual replenishment), so it
/// cannot follow fake time in tests; this one does, and needs no timer.
/// </summary>
internal sealed class TimeProviderTokenBucket : RateLimiter
{
    private readonly TimeProvider _time;
    private readonly double _rate;
    private readonly int _burst;
    private readonly Lock _gate = new();
    private double _tokens;
    private long _last;
    private long _successful;
    private long _failed;

    public TimeProviderTokenBucket(TimeProvider time, double tokensPerSecond, int burst)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(tokensPerSecond);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(burst);
        _time = time;
        _rate = tokensPerSecond;
        _burst = burst;
        _tokens = burst;
        _last = time.GetTimestamp();
    }

    public override TimeSpan? IdleDuration => null;

    public override RateLimiterStatistics? GetStatistics()
    {
        lock (_gate)
        {
            Refill();
            return new RateLimiterStatistics
            {
                CurrentAvailablePermits = (long)_tokens,
                CurrentQueuedCount = 0,
                TotalSuccessfulLeases = _successful,
                TotalFailedLeases = _failed,
            };
        }
    }

    protected override RateLimitLease AttemptAcquireCore(int permitCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(permitCount);
        if (permitCount > _burst)
            throw new ArgumentOutOfRangeException(nameof(permitCount), permitCount, "more permits than the bucket holds");
        lock (_gate)
        {
            Refill();
            if (_tokens >= permitCount)
            {
                _tokens -= permitCount;
                _successful++;
                return Lease.Acquired;
            }

            _failed++;
            return new Lease(false, TimeSpan.FromSeconds((permitCount - _tokens) / _rate));
        }
    }

    protected override ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken) =>
        ValueTask.FromResult(AttemptAcquireCore(permitCount));

    private void Refill()
    {
        var now = _time.GetTimestamp();
        var elapsed = _time.GetElapsedTime(_last, now);
        _last = now;
        if (elapsed > TimeSpan.Zero)
            _tokens = Math.Min(_burst, _tokens + (elapsed.TotalSeconds * _rate));
    }

    private sealed class Lease(bool acquired, TimeSpan? retryAfter) : RateLimitLease
    {
        public static Lease Acquired { get; } = new(true, null);

        public override bool IsAcquired { get; } = acquired;

        public override IEnumerable<string> MetadataNames => retryAfter is null ? [] : [MetadataName.RetryAfter.Name];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            if (retryAfter is { } delay && metadataName == MetadataName.RetryAfter.Name)
            {
                metadata = delay;
                return true;
            }

            metadata = null;
            return false;
        }
    }
}
