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

    /// <summary>Compiles at once in this process (each in its own compiler process, one core each). Default 2.</summary>
    public int Concurrency { get; set; } = 2;

    /// <summary>Compiles allowed to wait for a compiler; one more is refused at once. Default 64.</summary>
    public int MaxQueued { get; set; } = 64;

    public void Validate()
    {
        if (MaxCpuTime <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(MaxCpuTime), MaxCpuTime, "must be positive");
        if (MaxWallTime < MaxCpuTime) throw new ArgumentOutOfRangeException(nameof(MaxWallTime), MaxWallTime, "must be at least MaxCpuTime");
        if (MaxMemoryMb < 128) throw new ArgumentOutOfRangeException(nameof(MaxMemoryMb), MaxMemoryMb, "must be at least 128 (the compiler's own runtime needs about 60 MiB)");
        if (Concurrency < 1) throw new ArgumentOutOfRangeException(nameof(Concurrency), Concurrency, "must be at least 1");
        if (MaxQueued < 0) throw new ArgumentOutOfRangeException(nameof(MaxQueued), MaxQueued, "must not be negative");
    }
}
