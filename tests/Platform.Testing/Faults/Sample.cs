using System.Globalization;

namespace Platform.Testing.Faults;

/// <summary>
/// One request of a load run: when it was sent (from the start of the run), how long it took,
/// and what came back: an HTTP status with the problem code, or no answer at all
/// (<see cref="Status"/> 0, <see cref="Failure"/> says why: <c>ConnectionError</c>,
/// <c>ResponseEnded</c>, <c>client-timeout</c>, <c>not-sent</c>), or an answer that was wrong
/// (<c>wrong-output</c>).
/// </summary>
public readonly record struct Sample(int Sequence, TimeSpan SentAt, TimeSpan Latency, int Status, string? Code, string? Worker, string? Failure)
{
    /// <summary>The problem document's detail of an answer other than 200 (what the platform said was wrong).</summary>
    public string? Detail { get; init; }

    public bool Ok => Status == 200 && Failure is null;

    /// <summary>What the sample counts as: OK, the problem code, or the transport failure.</summary>
    public string Kind => Failure ?? (Ok ? "OK" : Code ?? $"HTTP {Status}");

    /// <summary>The request got an answer from the platform (a status code and, for a failure, a problem code).</summary>
    public bool Answered => Failure is null && Status != 0;
}

/// <summary>Counts and latency of a set of samples.</summary>
public sealed record LoadStats(int Sent, int Ok, IReadOnlyDictionary<string, int> Kinds, double P50Ms, double P99Ms, double MaxMs)
{
    public double OkRatio => Sent == 0 ? 0 : (double)Ok / Sent;

    public static LoadStats Of(IEnumerable<Sample> samples)
    {
        var list = samples.ToList();
        var latencies = list.Where(s => s.Failure != "not-sent").Select(s => s.Latency.TotalMilliseconds).Order().ToArray();
        return new LoadStats(
            list.Count,
            list.Count(s => s.Ok),
            list.GroupBy(s => s.Kind).OrderByDescending(g => g.Count()).ToDictionary(g => g.Key, g => g.Count()),
            Percentile(latencies, 0.50),
            Percentile(latencies, 0.99),
            latencies.Length == 0 ? 0 : latencies[^1]);
    }

    /// <summary>"OK 1180, UNAVAILABLE 3" (every kind with its count, most frequent first).</summary>
    public string KindsText => string.Join(", ", Kinds.Select(k => $"{k.Key} {k.Value}"));

    /// <summary>A table row: sent, OK (ratio), kinds, p50, p99, max.</summary>
    /// <summary>For each kind of answer other than OK: <c>UNAVAILABLE 3, sent 0.00 s to 1.20 s after the kill: "detail"</c>.</summary>
    public static IEnumerable<string> Failures(IEnumerable<Sample> samples, TimeSpan faultAt, string fault) =>
        samples.Where(s => !s.Ok).GroupBy(s => s.Kind).Select(g =>
            $"{g.Key} {g.Count()}, sent {Seconds(g.Min(s => s.SentAt) - faultAt)} to {Seconds(g.Max(s => s.SentAt) - faultAt)} after {fault}"
            + (g.FirstOrDefault(s => s.Detail is not null).Detail is { } detail ? $": \"{detail}\"" : ""));

    private static string Seconds(TimeSpan t) => (Math.Round(t.TotalSeconds, 2) + 0.0).ToString("0.00", CultureInfo.InvariantCulture) + " s"; // + 0.0: no "-0.00"

    public IReadOnlyList<string> Row(string phase) =>
    [
        phase,
        Sent.ToString(CultureInfo.InvariantCulture),
        $"{Ok} ({OkRatio * 100:0.0} %)".Replace(',', '.'),
        KindsText,
        Ms(P50Ms), Ms(P99Ms), Ms(MaxMs),
    ];

    public static IReadOnlyList<string> Header { get; } = ["phase", "sent", "OK", "answers", "p50 ms", "p99 ms", "max ms"];

    public static string Ms(double ms) => ms.ToString(ms >= 100 ? "0" : "0.0", CultureInfo.InvariantCulture);

    private static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
}
