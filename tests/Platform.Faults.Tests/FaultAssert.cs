namespace Platform.Faults.Tests;

/// <summary>The guarantees every fault scenario checks on its samples.</summary>
internal static class FaultAssert
{
    /// <summary>Every sample is one of <paramref name="kinds"/> (OK, a problem code, or a transport failure); the message lists the others.</summary>
    public static void OnlyKinds(IEnumerable<Sample> samples, params string[] kinds)
    {
        var unexpected = samples.Where(s => !kinds.Contains(s.Kind)).ToList();
        Assert.True(unexpected.Count == 0,
            $"{unexpected.Count} answers other than {string.Join(", ", kinds)}: {string.Join("; ", unexpected.Take(10))}");
    }

    /// <summary>At most <paramref name="share"/> of <paramref name="samples"/> are of <paramref name="kind"/>.</summary>
    public static void AtMost(IReadOnlyCollection<Sample> samples, string kind, double share)
    {
        var count = samples.Count(s => s.Kind == kind);
        Assert.True(count <= samples.Count * share, $"{count} of {samples.Count} answers were {kind}; at most {share:P0} may be");
    }

    /// <summary>No request took longer than the control plane's deadline (plus a second for the way back), none hung.</summary>
    public static void NoneHung(IEnumerable<Sample> samples)
    {
        var late = samples.Where(s => s.Failure == "client-timeout" || s.Latency > FaultBed.Deadline + TimeSpan.FromSeconds(1)).ToList();
        Assert.True(late.Count == 0, $"{late.Count} requests past the deadline of {FaultBed.Deadline}: {string.Join("; ", late.Take(10))}");
    }

    public static IEnumerable<Sample> Between(this IEnumerable<Sample> samples, TimeSpan from, TimeSpan to) => Timeline.Between(samples, from, to);
}
