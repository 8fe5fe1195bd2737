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
    /// Use Wasmtime's pooling allocator: instance, memory and table slots reserved once per engine
    /// and reused, with copy-on-write memory images. On by default: it is what brings a warm
    /// invocation near bare Wasmtime. Its reservation is address space, not memory (about 4 GiB
    /// per memory slot, <see cref="PoolingMaxInstances"/> × <c>4</c> memory slots); a process
    /// whose address space is capped (<c>ulimit -v</c>) below that refuses to start rather than
    /// abort later. One engine per process: a process that runs several workers shares one.
    /// </summary>
    public bool UsePoolingAllocator { get; set; } = true;

    /// <summary>
    /// Sandboxes alive at once in the process under the pooling allocator; one more is refused
    /// as overload. Must be at least the sum of the process's workers'
    /// <c>MaxConcurrentInvocations</c>. Default 32.
    /// </summary>
    public int PoolingMaxInstances { get; set; } = 32;

    /// <summary>
    /// The largest linear memory any invocation may have under the pooling allocator. Default
    /// 4096 MiB, the bound of the <c>maxMemoryMb</c> quota and of a 32-bit memory: a slot
    /// reserves that much address space whatever this says, so a smaller value saves nothing.
    /// An invocation whose memory limit is above it is refused with MEMORY_LIMIT before it runs.
    /// </summary>
    public int PoolingMaxMemoryMb { get; set; } = 4096;

    /// <summary>
    /// Bytes of a freed memory (and table) slot that the allocator resets in place instead of
    /// giving them back to the kernel, so the next invocation does not fault them in again.
    /// Default 1 MiB: a C hello (wasi-libc, a few pages of stack and data) measured 0.57× the
    /// time of a 64 KiB setting and 0.30× that of 0 in one run; 256 KiB was as fast as 1 MiB
    /// for it, and 1 MiB covers larger small functions for the price of one memset.
    /// </summary>
    public long PoolingKeepResidentBytes { get; set; } = 1024 * 1024;

    /// <summary>Maximum table elements and tables per invocation.</summary>
    public uint MaxTableElements { get; set; } = 100_000;

    /// <summary>The largest 32-bit linear memory: 65,536 pages of 64 KiB.</summary>
    public const int MaxMemoryMb = 4096;

    /// <summary>A copy with another sandbox count; the fingerprint does not depend on it.</summary>
    internal RuntimeOptions WithPoolingMaxInstances(int sandboxes)
    {
        var copy = (RuntimeOptions)MemberwiseClone();
        copy.PoolingMaxInstances = sandboxes;
        return copy;
    }

    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(CacheDir)) throw new ArgumentException("CacheDir is required", nameof(CacheDir));
        if (EpochTick <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(EpochTick), EpochTick, "must be positive");
        if (MaxWasmStackBytes < 64 * 1024) throw new ArgumentOutOfRangeException(nameof(MaxWasmStackBytes), MaxWasmStackBytes, "must be at least 64 KiB");
        if (MemoryCacheMaxModules < 1) throw new ArgumentOutOfRangeException(nameof(MemoryCacheMaxModules), MemoryCacheMaxModules, "must be at least 1");
        if (PoolingMaxInstances < 1) throw new ArgumentOutOfRangeException(nameof(PoolingMaxInstances), PoolingMaxInstances, "must be at least 1");
        if (PoolingMaxMemoryMb is < 1 or > MaxMemoryMb) throw new ArgumentOutOfRangeException(nameof(PoolingMaxMemoryMb), PoolingMaxMemoryMb, $"must be between 1 and {MaxMemoryMb}");
        if (PoolingKeepResidentBytes < 0) throw new ArgumentOutOfRangeException(nameof(PoolingKeepResidentBytes), PoolingKeepResidentBytes, "must not be negative");
        if (MemoryCacheMaxBytes < 1) throw new ArgumentOutOfRangeException(nameof(MemoryCacheMaxBytes), MemoryCacheMaxBytes, "must be positive");
    }
}
