namespace Platform.ControlPlane.Caching;

/// <summary>
/// The control plane's cache of function metadata, tenant quotas and API keys
/// (<c>Platform:Cache:*</c>). Invalidated across replicas by PostgreSQL LISTEN/NOTIFY.
/// </summary>
public sealed class MetadataCacheOptions
{
    public const string SectionName = "Platform:Cache";

    /// <summary>Cache resolved functions, quotas and keys. Default true; false reads PostgreSQL on every invocation.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// The longest an API key is accepted from memory after PostgreSQL last confirmed it; the next
    /// use after that asks PostgreSQL again. A revocation or tenant deletion reaches every replica
    /// by NOTIFY (milliseconds); this bounds how long a key may still work on a replica whose
    /// notification was lost. Default 5 s.
    /// </summary>
    public TimeSpan KeyMaxAge { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>First delay before the change listener reconnects to PostgreSQL; doubles up to <see cref="ListenerMaxReconnectDelay"/>. Default 250 ms.</summary>
    public TimeSpan ListenerReconnectDelay { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Longest delay between reconnection attempts of the change listener. Default 10 s.</summary>
    public TimeSpan ListenerMaxReconnectDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often the idle listener checks its connection (a silent network drop is noticed within this). Default 5 s.</summary>
    public TimeSpan ListenerPingInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Entries kept per kind (functions, quotas, keys); past it the cache is cleared and refilled. Default 100000.</summary>
    public int MaxEntries { get; set; } = 100_000;

    internal IEnumerable<string> Validate()
    {
        if (ListenerReconnectDelay <= TimeSpan.Zero)
            yield return $"{SectionName}:ListenerReconnectDelay must be positive";
        if (ListenerMaxReconnectDelay < ListenerReconnectDelay)
            yield return $"{SectionName}:ListenerMaxReconnectDelay must be at least ListenerReconnectDelay";
        if (ListenerPingInterval <= TimeSpan.Zero)
            yield return $"{SectionName}:ListenerPingInterval must be positive";
        if (KeyMaxAge < TimeSpan.Zero)
            yield return $"{SectionName}:KeyMaxAge must not be negative";
        if (MaxEntries < 1)
            yield return $"{SectionName}:MaxEntries must be at least 1";
    }
}
