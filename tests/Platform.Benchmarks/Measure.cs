using System.Diagnostics;
using HdrHistogram;

namespace Platform.Benchmarks;

/// <summary>One measured variant: per-round medians (for the spread) and all samples (for p99).</summary>
internal sealed class Series(string name)
{
    private readonly List<double> _roundMedians = [];
    private readonly LongHistogram _all = new(TimeSpan.FromMinutes(5).Ticks, 3);

    public string Name { get; } = name;

    public double MedianUs => Median(_roundMedians);

    public double SpreadLowUs => _roundMedians.Min();

    public double SpreadHighUs => _roundMedians.Max();

    public double P99Us => _all.GetValueAtPercentile(99) / (double)TimeSpan.TicksPerMicrosecond;

    public long Samples => _all.TotalCount;

    public void AddRound(IReadOnlyList<long> ticks)
    {
        foreach (var t in ticks) _all.RecordValue(Math.Max(t, 1));
        _roundMedians.Add(Median(ticks.Select(t => t / (double)TimeSpan.TicksPerMicrosecond).ToList()));
    }

    private static double Median(IReadOnlyList<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}

internal static class Measure
{
    /// <summary>
    /// Runs every variant for <paramref name="rounds"/> rounds, interleaved (A B C, A B C, ...),
    /// so that noise from the shared machine lands on all of them alike.
    /// </summary>
    public static IReadOnlyList<Series> Interleaved(int rounds, int iterations, int warmup, params (string Name, Action Body)[] variants)
    {
        var series = variants.Select(v => new Series(v.Name)).ToArray();
        foreach (var (_, body) in variants)
        {
            for (var i = 0; i < warmup; i++) body();
        }

        var ticks = new long[iterations];
        for (var round = 0; round < rounds; round++)
        {
            for (var v = 0; v < variants.Length; v++)
            {
                for (var i = 0; i < iterations; i++)
                {
                    var started = Stopwatch.GetTimestamp();
                    variants[v].Body();
                    ticks[i] = Stopwatch.GetElapsedTime(started).Ticks;
                }

                series[v].AddRound(ticks);
            }
        }

        return series;
    }

    /// <summary>
    /// <see cref="Interleaved"/> for asynchronous bodies (network calls): one call at a time,
    /// each timed from start to completion.
    /// </summary>
    public static async Task<IReadOnlyList<Series>> InterleavedAsync(int rounds, int iterations, int warmup, params (string Name, Func<Task> Body)[] variants)
    {
        var series = variants.Select(v => new Series(v.Name)).ToArray();
        foreach (var (_, body) in variants)
        {
            for (var i = 0; i < warmup; i++) await body();
        }

        var ticks = new long[iterations];
        for (var round = 0; round < rounds; round++)
        {
            for (var v = 0; v < variants.Length; v++)
            {
                for (var i = 0; i < iterations; i++)
                {
                    var started = Stopwatch.GetTimestamp();
                    await variants[v].Body();
                    ticks[i] = Stopwatch.GetElapsedTime(started).Ticks;
                }

                series[v].AddRound(ticks);
            }
        }

        return series;
    }
}

/// <summary>What a closed-loop load run saw: throughput, latency, and every outcome by name.</summary>
internal sealed record LoadResult(string Name, int Concurrency, TimeSpan Elapsed, long Completed, double P50Ms, double P99Ms, IReadOnlyDictionary<string, long> Outcomes)
{
    public double PerSecond => Completed / Elapsed.TotalSeconds;

    public long Ok => Outcomes.GetValueOrDefault("OK");

    public double OkPerSecond => Ok / Elapsed.TotalSeconds;
}

internal static class Load
{
    /// <summary>
    /// <paramref name="concurrency"/> callers, each calling <paramref name="call"/> back to back
    /// until <paramref name="duration"/> passes or <paramref name="maxCalls"/> were started. The
    /// call returns its outcome ("OK", "503 OVERLOADED", ...).
    /// </summary>
    public static async Task<LoadResult> ClosedLoopAsync(string name, int concurrency, TimeSpan duration, long maxCalls, Func<CancellationToken, Task<string>> call)
    {
        var histogram = new LongConcurrentHistogram(1, TimeSpan.FromMinutes(5).Ticks, 3);
        var outcomes = new System.Collections.Concurrent.ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        long started = 0;
        using var stop = new CancellationTokenSource(duration);
        using var hardStop = new CancellationTokenSource(duration + TimeSpan.FromSeconds(30));
        var clock = Stopwatch.StartNew();
        async Task Caller()
        {
            while (!stop.IsCancellationRequested && Interlocked.Increment(ref started) <= maxCalls)
            {
                var t0 = Stopwatch.GetTimestamp();
                string outcome;
                try
                {
                    outcome = await call(hardStop.Token);
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    outcome = "exception " + ex.GetType().Name;
                }

                histogram.RecordValue(Math.Max(1, Stopwatch.GetElapsedTime(t0).Ticks));
                outcomes.AddOrUpdate(outcome, 1, (_, n) => n + 1);
            }
        }

        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(Caller)));
        var elapsed = clock.Elapsed;
        return new LoadResult(
            name,
            concurrency,
            elapsed,
            histogram.TotalCount,
            histogram.GetValueAtPercentile(50) / (double)TimeSpan.TicksPerMillisecond,
            histogram.GetValueAtPercentile(99) / (double)TimeSpan.TicksPerMillisecond,
            outcomes.ToDictionary(StringComparer.Ordinal));
    }
}
