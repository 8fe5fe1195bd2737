namespace Platform.ControlPlane.Usage;

/// <summary>
/// Usage accounting (<c>Platform:Usage:*</c>): invocations are counted in memory per tenant,
/// function and minute and flushed to PostgreSQL every <see cref="FlushInterval"/>. A crash loses
/// at most the usage of one flush interval (what was not flushed yet); a clean stop flushes.
/// </summary>
public sealed class UsageOptions
{
    public const string SectionName = "Platform:Usage";

    /// <summary>How often the aggregated usage is written to PostgreSQL. Default 5 s.</summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Most (tenant, function, minute) entries held in memory while PostgreSQL cannot be written;
    /// invocations that would need a new entry beyond it are dropped, counted and logged as a
    /// warning at the next flush. Default 100000.
    /// </summary>
    public int MaxPendingKeys { get; set; } = 100_000;

    /// <summary>Rows per upsert statement of a flush (all in one transaction). Default 1000.</summary>
    public int FlushBatchSize { get; set; } = 1000;

    internal IEnumerable<string> Validate()
    {
        if (FlushInterval <= TimeSpan.Zero)
            yield return $"{SectionName}:FlushInterval must be positive";
        if (MaxPendingKeys < 1)
            yield return $"{SectionName}:MaxPendingKeys must be at least 1";
        if (FlushBatchSize < 1)
            yield return $"{SectionName}:FlushBatchSize must be at least 1";
    }
}
