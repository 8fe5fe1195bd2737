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
    long BytesInMemory);
