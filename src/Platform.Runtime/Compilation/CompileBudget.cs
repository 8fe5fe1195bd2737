namespace Platform.Runtime.Compilation;

/// <summary>
/// What one compile of tenant code may cost. Cranelift cannot be interrupted in-process, so the
/// budget is enforced on a child process that is killed when it overruns (see
/// <see cref="IsolatedCompiler"/>). Defaults sized from measurements on a 2-core machine: a
/// 1.2 MB C module compiles in under 1 s of CPU and well under 300 MiB.
/// </summary>
public sealed class CompileBudget
{
    /// <summary>CPU time one compile may use (user + system). Default 20 s.</summary>
    public TimeSpan MaxCpuTime { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// Wall-clock time one compile may take once it has a compiler, however busy the machine.
    /// Default 60 s: the compiler runs below normal priority, so invocations come first.
    /// </summary>
    public TimeSpan MaxWallTime { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Resident memory of the compiler process, its own runtime included. Default 1024 MiB.</summary>
    public int MaxMemoryMb { get; set; } = 1024;

    /// <summary>
    /// CPU time added per MiB of module on top of <see cref="MaxCpuTime"/>. Default 3 s: a 12 MB
    /// JavaScript component (a whole JS engine) needs 10-30 s of CPU, while a compile bomb of a
    /// few hundred KiB still meets about the base budget.
    /// </summary>
    public TimeSpan CpuTimePerMiB { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>Wall-clock time added per MiB of module on top of <see cref="MaxWallTime"/>. Default 8 s.</summary>
    public TimeSpan WallTimePerMiB { get; set; } = TimeSpan.FromSeconds(8);

    /// <summary>Resident memory added per MiB of module on top of <see cref="MaxMemoryMb"/>. Default 64 MiB.</summary>
    public int MemoryMbPerMiB { get; set; } = 64;

    /// <summary>Compiles at once in this process, each in its own compiler process. Default 2.</summary>
    public int Concurrency { get; set; } = 2;

    /// <summary>
    /// Threads one compile may use (Cranelift compiles a module's functions in parallel). Default:
    /// the processor count, so an upload waits about a compile divided by the cores; the CPU budget
    /// counts every thread, and the compiler's low priority keeps invocations first. 1 compiles on one core.
    /// </summary>
    public int ThreadsPerCompile { get; set; } = Environment.ProcessorCount;

    /// <summary>
    /// Keep a compiler process started ahead: one at the control plane's start, and a replacement
    /// in the background whenever one is killed (a compile over budget, a cancelled upload), so an
    /// upload does not wait for a process to start. Default true.
    /// </summary>
    public bool StartAhead { get; set; } = true;

    /// <summary>Compiles allowed to wait for a compiler; one more is refused at once. Default 64.</summary>
    public int MaxQueued { get; set; } = 64;

    /// <summary>The budget of one module of <paramref name="moduleBytes"/>: the base plus the per-MiB allowances.</summary>
    public CompileBudget For(long moduleBytes)
    {
        var mib = Math.Max(moduleBytes, 0) / (double)(1 << 20);
        return new CompileBudget
        {
            MaxCpuTime = MaxCpuTime + CpuTimePerMiB * mib,
            MaxWallTime = MaxWallTime + WallTimePerMiB * mib,
            MaxMemoryMb = MaxMemoryMb + (int)Math.Ceiling(MemoryMbPerMiB * mib),
            CpuTimePerMiB = TimeSpan.Zero,
            WallTimePerMiB = TimeSpan.Zero,
            MemoryMbPerMiB = 0,
            Concurrency = Concurrency,
            ThreadsPerCompile = ThreadsPerCompile,
            StartAhead = StartAhead,
            MaxQueued = MaxQueued,
        };
    }

    public void Validate()
    {
        if (CpuTimePerMiB < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(CpuTimePerMiB), CpuTimePerMiB, "must not be negative");
        if (WallTimePerMiB < CpuTimePerMiB) throw new ArgumentOutOfRangeException(nameof(WallTimePerMiB), WallTimePerMiB, "must be at least CpuTimePerMiB");
        if (MemoryMbPerMiB < 0) throw new ArgumentOutOfRangeException(nameof(MemoryMbPerMiB), MemoryMbPerMiB, "must not be negative");
        if (MaxCpuTime <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(MaxCpuTime), MaxCpuTime, "must be positive");
        if (MaxWallTime < MaxCpuTime) throw new ArgumentOutOfRangeException(nameof(MaxWallTime), MaxWallTime, "must be at least MaxCpuTime");
        if (MaxMemoryMb < 128) throw new ArgumentOutOfRangeException(nameof(MaxMemoryMb), MaxMemoryMb, "must be at least 128 (the compiler's own runtime needs about 60 MiB)");
        if (ThreadsPerCompile < 1) throw new ArgumentOutOfRangeException(nameof(ThreadsPerCompile), ThreadsPerCompile, "must be at least 1");
        if (Concurrency < 1) throw new ArgumentOutOfRangeException(nameof(Concurrency), Concurrency, "must be at least 1");
        if (MaxQueued < 0) throw new ArgumentOutOfRangeException(nameof(MaxQueued), MaxQueued, "must not be negative");
    }
}
