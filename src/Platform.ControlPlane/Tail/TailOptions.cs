namespace Platform.ControlPlane.Tail;

/// <summary>
/// Live tails of the invocation history (<c>Platform:Tail:*</c>). A tail polls the history table,
/// so it sees invocations routed by every control-plane replica, about one history flush interval
/// plus one <see cref="PollInterval"/> after they end.
/// </summary>
public sealed class TailOptions
{
    public const string SectionName = "Platform:Tail";

    /// <summary>How often a tail looks for new records. Default 500 ms.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// How far back each poll looks, so that a record another replica commits late (a flush that
    /// ended after a later one) is still seen. Default 30 s; a record written later than that
    /// after its end is in the history but not in the tail.
    /// </summary>
    public TimeSpan Lookback { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Tails one tenant may hold open at once on one control plane. Default 4.</summary>
    public int MaxTailsPerTenant { get; set; } = 4;

    /// <summary>Records queued for a slow reader; past it new ones are dropped and counted. Default 256.</summary>
    public int BufferedRecords { get; set; } = 256;

    internal IEnumerable<string> Validate()
    {
        if (PollInterval <= TimeSpan.Zero)
            yield return $"{SectionName}:PollInterval must be positive";
        if (Lookback <= TimeSpan.Zero)
            yield return $"{SectionName}:Lookback must be positive";
        if (MaxTailsPerTenant < 1)
            yield return $"{SectionName}:MaxTailsPerTenant must be at least 1";
        if (BufferedRecords < 1)
            yield return $"{SectionName}:BufferedRecords must be at least 1";
    }
}
