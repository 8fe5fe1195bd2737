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

    /// <summary>The samples sent in [from, to).</summary>
    public static IEnumerable<Sample> Between(IEnumerable<Sample> samples, TimeSpan from, TimeSpan to) =>
        samples.Where(s => s.SentAt >= from && s.SentAt < to);

    /// <summary>The samples whose answer came before <paramref name="at"/>: they saw nothing of a fault that began there.</summary>
    public static IEnumerable<Sample> DoneBefore(IEnumerable<Sample> samples, TimeSpan at) =>
        samples.Where(s => s.SentAt + s.Latency < at);

    /// <summary>The samples sent before <paramref name="at"/> whose answer came after it (or never): in flight when a fault began.</summary>
    public static IEnumerable<Sample> InFlightAt(IEnumerable<Sample> samples, TimeSpan at) =>
        samples.Where(s => s.SentAt < at && s.SentAt + s.Latency >= at);

    public static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture) + " s";
}
