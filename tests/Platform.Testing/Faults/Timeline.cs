using System.Diagnostics;

namespace Platform.Testing.Faults;

/// <summary>The clock of a scenario: the load's samples and the faults are placed on it.</summary>
public sealed class Timeline
{
    private readonly long _started = Stopwatch.GetTimestamp();

    public TimeSpan Now => Stopwatch.GetElapsedTime(_started);

    /// <summary>Waits until <paramref name="at"/> on this clock (at once when it has passed).</summary>
    public async Task<TimeSpan> At(TimeSpan at)
    {
        var wait = at - Now;
        if (wait > TimeSpan.Zero) await Task.Delay(wait);
        return Now;
    }

    public static IEnumerable<Sample> Between(IEnumerable<Sample> samples, TimeSpan from, TimeSpan to) =>
        samples.Where(s => s.SentAt >= from && s.SentAt < to);

    public static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture) + " s";
}
