namespace Platform.Runtime;

/// <summary>Counters of the artifact cache since it was created.</summary>
public readonly record struct CacheStatistics(
    long MemoryHits,
    long DiskHits,
    long Misses,
    long Compiles,
    TimeSpan CompileTime,
    long CorruptArtifactsDiscarded,
    int ModulesInMemory,
    long BytesInMemory)
{
    /// <summary>Signed artifacts from the cluster's compiler that verified and loaded (no compile here).</summary>
    public long ArtifactLoads { get; init; }

    /// <summary>Shipped artifacts refused (signature, fingerprint, module, kind or a load failure); the module was compiled here instead.</summary>
    public long ArtifactRejections { get; init; }
}
