namespace Platform.Runtime;

public sealed class RuntimeOptions
{
    /// <summary>Where compiled artifacts are kept. Default: <c>cache/artifacts</c> under the working directory.</summary>
    public string CacheDir { get; set; } = Path.Combine("cache", "artifacts");

    /// <summary>How often the epoch ticker advances; the granularity of wall-clock timeouts. Default 5 ms.</summary>
    public TimeSpan EpochTick { get; set; } = TimeSpan.FromMilliseconds(5);

    /// <summary>Maximum Wasm stack per invocation. Default 512 KiB, well below a .NET thread's stack.</summary>
    public int MaxWasmStackBytes { get; set; } = 512 * 1024;

    /// <summary>Loaded modules kept in memory (count). Default 256.</summary>
    public int MemoryCacheMaxModules { get; set; } = 256;

    /// <summary>Loaded modules kept in memory, measured by artifact size. Default 512 MiB.</summary>
    public long MemoryCacheMaxBytes { get; set; } = 512L << 20;

    /// <summary>
    /// Use Wasmtime's pooling allocator. Off by default: measured slower for our short invocations
    /// (see the benchmark results file).
    /// </summary>
    public bool UsePoolingAllocator { get; set; }

    /// <summary>Maximum table elements and tables per invocation.</summary>
    public uint MaxTableElements { get; set; } = 100_000;

    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(CacheDir)) throw new ArgumentException("CacheDir is required", nameof(CacheDir));
        if (EpochTick <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(EpochTick), EpochTick, "must be positive");
        if (MaxWasmStackBytes < 64 * 1024) throw new ArgumentOutOfRangeException(nameof(MaxWasmStackBytes), MaxWasmStackBytes, "must be at least 64 KiB");
        if (MemoryCacheMaxModules < 1) throw new ArgumentOutOfRangeException(nameof(MemoryCacheMaxModules), MemoryCacheMaxModules, "must be at least 1");
        if (MemoryCacheMaxBytes < 1) throw new ArgumentOutOfRangeException(nameof(MemoryCacheMaxBytes), MemoryCacheMaxBytes, "must be positive");
    }
}
