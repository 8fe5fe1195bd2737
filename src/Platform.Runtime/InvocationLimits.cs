namespace Platform.Runtime;

/// <summary>
/// Per-invocation limits, all enforced by the sandbox. <see cref="Default"/> equals the
/// platform's default tenant quotas.
/// </summary>
public sealed record InvocationLimits
{
    public const long DefaultFuel = 1_000_000_000;
    public const int DefaultMemoryMb = 64;
    public const int DefaultTimeoutMs = 5_000;
    public const int DefaultMaxInputBytes = 1 << 20;
    public const int DefaultMaxOutputBytes = 1 << 20;
    public const int DefaultMaxLogBytes = 64 << 10;

    public static InvocationLimits Default { get; } = new();

    /// <summary>Fuel units (roughly one per executed Wasm instruction).</summary>
    public long Fuel { get; init; } = DefaultFuel;

    /// <summary>Maximum size of the guest's linear memory.</summary>
    public int MemoryMb { get; init; } = DefaultMemoryMb;

    /// <summary>Wall-clock limit, enforced through epoch interruption.</summary>
    public int TimeoutMs { get; init; } = DefaultTimeoutMs;

    /// <summary>Bytes of stdout kept; writing past it stops the guest with OUTPUT_LIMIT.</summary>
    public int MaxOutputBytes { get; init; } = DefaultMaxOutputBytes;

    /// <summary>Bytes of stderr kept; the rest is dropped and the logs are marked truncated.</summary>
    public int MaxLogBytes { get; init; } = DefaultMaxLogBytes;

    /// <summary>Bytes the guest may write to its per-invocation scratch directory <c>/tmp</c>; 0: no scratch directory.</summary>
    public long ScratchMaxBytes { get; init; }

    public void Validate()
    {
        if (Fuel <= 0) throw new ArgumentOutOfRangeException(nameof(Fuel), Fuel, "must be positive");
        if (MemoryMb <= 0) throw new ArgumentOutOfRangeException(nameof(MemoryMb), MemoryMb, "must be positive");
        if (TimeoutMs <= 0) throw new ArgumentOutOfRangeException(nameof(TimeoutMs), TimeoutMs, "must be positive");
        if (MaxOutputBytes < 0) throw new ArgumentOutOfRangeException(nameof(MaxOutputBytes), MaxOutputBytes, "must not be negative");
        if (ScratchMaxBytes < 0) throw new ArgumentOutOfRangeException(nameof(ScratchMaxBytes), ScratchMaxBytes, "must not be negative");
        if (MaxLogBytes < 0) throw new ArgumentOutOfRangeException(nameof(MaxLogBytes), MaxLogBytes, "must not be negative");
    }
}
