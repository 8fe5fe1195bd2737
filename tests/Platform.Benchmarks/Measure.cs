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
}
