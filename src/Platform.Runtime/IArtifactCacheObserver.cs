namespace Platform.Runtime;

/// <summary>Where an <see cref="ArtifactCache"/> lookup was answered.</summary>
public enum CacheLookupResult
{
    /// <summary>The in-memory LRU held the compiled module.</summary>
    Memory,

    /// <summary>A verified artifact on disk was loaded.</summary>
    Disk,

    /// <summary>Neither: the module had to be compiled (or fetched, when the caller had no bytes).</summary>
    Miss,
}

/// <summary>
/// Told about every lookup and compile of an <see cref="ArtifactCache"/> as it happens, on the
/// caller's thread: the host's metrics hook (the worker records them with its worker id). Keep
/// it cheap and never throw.
/// </summary>
public interface IArtifactCacheObserver
{
    /// <summary>One lookup; concurrent callers that joined one disk load or compile count once.</summary>
    void Lookup(CacheLookupResult result);

    /// <summary>One compile (validation, Cranelift, serialisation) that succeeded.</summary>
    void Compiled(string sha256, TimeSpan duration);

    /// <summary>One shipped artifact: verified and loaded, or refused (then the module is compiled here).</summary>
    void ArtifactReceived(bool loaded);
}
