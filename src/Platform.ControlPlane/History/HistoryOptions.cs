namespace Platform.ControlPlane.History;

/// <summary>
/// Invocation history (<c>Platform:History:*</c>): records are queued in memory by the replica
/// that routed the invocation and written to PostgreSQL every <see cref="FlushInterval"/>. A
/// crash loses at most the records of one flush interval (what was not written yet); a clean
/// stop flushes. A pruner deletes what is past a tenant's retention every <see cref="PruneInterval"/>.
/// </summary>
public sealed class HistoryOptions
{
    public const string SectionName = "Platform:History";

    /// <summary>Records the invocation history at all. Default true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How often queued records are written. Default 1 s (a follower sees an invocation within about this).</summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Bytes of records (mostly their logs) held in memory while PostgreSQL cannot be written;
    /// records beyond it are dropped, counted and logged at the next flush. Default 64 MiB.
    /// </summary>
    public long MaxPendingBytes { get; set; } = 64L << 20;

    /// <summary>Rows per insert statement of a flush. Default 500.</summary>
    public int FlushBatchSize { get; set; } = 500;

    /// <summary>How often records past a tenant's retention (age or count) are deleted. Default 1 minute.</summary>
    public TimeSpan PruneInterval { get; set; } = TimeSpan.FromMinutes(1);

    internal IEnumerable<string> Validate()
    {
        if (FlushInterval <= TimeSpan.Zero)
            yield return $"{SectionName}:FlushInterval must be positive";
        if (MaxPendingBytes < 1)
            yield return $"{SectionName}:MaxPendingBytes must be at least 1";
        if (FlushBatchSize < 1)
            yield return $"{SectionName}:FlushBatchSize must be at least 1";
        if (PruneInterval <= TimeSpan.Zero)
            yield return $"{SectionName}:PruneInterval must be positive";
    }
}
