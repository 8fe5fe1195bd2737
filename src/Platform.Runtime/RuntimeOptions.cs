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
    /// Use Wasmtime's pooling allocator: instance, memory and table slots reserved up front and
    /// reused. Off by default. It measured about a third faster per trivial invocation
    /// (tests/Platform.Benchmarks/results.md), but each slot reserves gigabytes of address space
    /// and, with several engines in one process, Wasmtime aborted the whole process when an
    /// mprotect failed with ENOMEM: a crash we will not risk for ~12 µs. Revisit with one engine
    /// per process and a tuned slot count.
    /// </summary>
    public bool UsePoolingAllocator { get; set; }

    /// <summary>Sandboxes alive at once under the pooling allocator; one more is refused as overload. Default 256.</summary>
    public int PoolingMaxInstances { get; set; } = 256;

    /// <summary>The largest linear memory any invocation may have under the pooling allocator. Default 1024 MiB.</summary>
    public int PoolingMaxMemoryMb { get; set; } = 1024;

    /// <summary>Maximum table elements and tables per invocation.</summary>
    public uint MaxTableElements { get; set; } = 100_000;

    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(CacheDir)) throw new ArgumentException("CacheDir is required", nameof(CacheDir));
        if (EpochTick <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(EpochTick), EpochTick, "must be positive");
        if (MaxWasmStackBytes < 64 * 1024) throw new ArgumentOutOfRangeException(nameof(MaxWasmStackBytes), MaxWasmStackBytes, "must be at least 64 KiB");
        if (MemoryCacheMaxModules < 1) throw new ArgumentOutOfRangeException(nameof(MemoryCacheMaxModules), MemoryCacheMaxModules, "must be at least 1");
        if (PoolingMaxInstances < 1) throw new ArgumentOutOfRangeException(nameof(PoolingMaxInstances), PoolingMaxInstances, "must be at least 1");
        if (PoolingMaxMemoryMb < 1) throw new ArgumentOutOfRangeException(nameof(PoolingMaxMemoryMb), PoolingMaxMemoryMb, "must be at least 1");
        if (MemoryCacheMaxBytes < 1) throw new ArgumentOutOfRangeException(nameof(MemoryCacheMaxBytes), MemoryCacheMaxBytes, "must be positive");
    }
}
