using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using Platform.Runtime.Artifacts;
using Platform.Runtime.Caching;
using Platform.Runtime.Compilation;
using Wasmtime;

namespace Platform.Runtime;

/// <summary>
/// Compiled modules by SHA-256: an in-memory LRU in front of verified artifacts on disk
/// (keyed by module hash and engine fingerprint), compiling only on a miss. A signed artifact
/// from the cluster's compiler is loaded instead of compiling once <see cref="Verifier"/> accepts
/// it, and verified again whenever it is read back from disk. Concurrent requests for one module
/// share one disk load or compile. Thread-safe.
/// </summary>
public sealed class ArtifactCache
{
    private readonly WasmEngine _engine;
    private readonly ModuleValidator _validator;
    private readonly ModuleLru _memory;
    private readonly ConcurrentDictionary<string, Lazy<CompiledModule?>> _loading = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lazy<Task<CompiledModule>>> _compiling = new(StringComparer.Ordinal);
    private long _memoryHits;
    private long _diskHits;
    private long _misses;
    private long _compiles;
    private long _compileTicks;
    private long _corrupt;
    private long _artifactLoads;
    private long _artifactRejections;

    /// <summary>
    /// A cache in <paramref name="directory"/> (default: the engine's <see cref="RuntimeOptions.CacheDir"/>):
    /// several caches (e.g. several workers in one process) can share one engine, each with its
    /// own folder. Misses compile through <paramref name="compiler"/>.
    /// </summary>
    public ArtifactCache(WasmEngine engine, IModuleCompiler compiler, string? directory = null)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(compiler);
        _engine = engine;
        _validator = new ModuleValidator(engine, compiler);
        _memory = new ModuleLru(engine.Options.MemoryCacheMaxModules, engine.Options.MemoryCacheMaxBytes);
        Directory = Path.GetFullPath(directory ?? engine.Options.CacheDir);
        System.IO.Directory.CreateDirectory(Directory);
    }

    public string Directory { get; }

    /// <summary>Told about each lookup and compile (the host's metrics); none by default.</summary>
    public IArtifactCacheObserver? Observer { get; init; }

    /// <summary>The keys a shipped artifact must be signed with; none: every shipped artifact is refused.</summary>
    public ArtifactVerifier? Verifier { get; init; }

    /// <summary>The engine fingerprint artifacts must have been compiled for.</summary>
    public string Fingerprint => _engine.Fingerprint;

    public CacheStatistics Statistics => new(
        Interlocked.Read(ref _memoryHits),
        Interlocked.Read(ref _diskHits),
        Interlocked.Read(ref _misses),
        Interlocked.Read(ref _compiles),
        TimeSpan.FromTicks(Interlocked.Read(ref _compileTicks)),
        Interlocked.Read(ref _corrupt),
        _memory.Count,
        _memory.Bytes)
    {
        ArtifactLoads = Interlocked.Read(ref _artifactLoads),
        ArtifactRejections = Interlocked.Read(ref _artifactRejections),
    };

    /// <summary>Counts a shipped artifact that arrived malformed (never offered to <see cref="TryLoad"/>); always null.</summary>
    public CompiledModule? Reject(out string? rejection, string? problem)
    {
        rejection = problem ?? "malformed artifact";
        Interlocked.Increment(ref _artifactRejections);
        Observer?.ArtifactReceived(loaded: false);
        return null;
    }

    /// <summary>
    /// Loads a shipped artifact of module <paramref name="sha256"/> when it verifies (kind, module,
    /// fingerprint, signature by a trusted key) and deserializes, and stores it on disk with its
    /// signature. Null with the reason otherwise: nothing of it was deserialized unless the signature held,
    /// and the caller compiles the module itself.
    /// </summary>
    public CompiledModule? TryLoad(string sha256, SignedArtifact artifact, out string? rejection)
    {
        ValidateHash(sha256);
        ArgumentNullException.ThrowIfNull(artifact);
        if (_memory.TryGet(sha256, out var cached))
        {
            rejection = null;
            return cached;
        }

        rejection = Verifier is null ? "no trusted artifact key is configured" : Verifier.Verify(artifact, artifact.Kind, sha256, _engine.Fingerprint);
        CompiledModule? loaded = null;
        if (rejection is null)
        {
            try
            {
                loaded = CompiledModule.Load(_engine, sha256, artifact.Bytes, artifact.Kind);
            }
            catch (Exception ex) when (ex is WasmtimeException or InvalidModuleException)
            {
                rejection = $"the signed artifact does not load: {ex.Message}";
            }
        }

        if (loaded is null)
        {
            Interlocked.Increment(ref _artifactRejections);
            Observer?.ArtifactReceived(loaded: false);
            return null;
        }

        ArtifactFile.Write(ArtifactPath(sha256), artifact);
        _memory.Add(loaded);
        Interlocked.Increment(ref _artifactLoads);
        Observer?.ArtifactReceived(loaded: true);
        return loaded;
    }

    /// <summary>
    /// Memory, then disk, then compile (one compile for concurrent callers of one module).
    /// Throws <see cref="InvalidModuleException"/> for bytes that are not a runnable module and
    /// <see cref="CompilerUnavailableException"/> when no compiler could take them.
    /// </summary>
    public async Task<CompiledModule> GetOrCompileAsync(byte[] wasmBytes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(wasmBytes);
        if (!Validation.WasmBinary.HasMagic(wasmBytes))
            throw new InvalidModuleException("the cache takes binary modules; convert WAT with ModuleValidator.Prepare first");
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(wasmBytes));
        var local = GetOrLoad(sha256);
        if (local is not null) return local;

        var compiling = _compiling.GetOrAdd(sha256, key => new Lazy<Task<CompiledModule>>(() => CompileAsync(key, wasmBytes)));
        return await compiling.Value.WaitAsync(cancellationToken);
    }

    /// <summary>Memory, then disk; null when the module has to be fetched and compiled.</summary>
    public CompiledModule? TryGet(string sha256)
    {
        ValidateHash(sha256);
        return GetOrLoad(sha256);
    }

    /// <summary>Whether a module can be served without its bytes (in memory or on disk).</summary>
    public bool Contains(string sha256)
    {
        ValidateHash(sha256);
        return _memory.TryGet(sha256, out _) || File.Exists(ArtifactPath(sha256));
    }

    /// <summary>Module hashes with an artifact on disk for this engine fingerprint.</summary>
    public IReadOnlyList<string> ListArtifacts()
    {
        var suffix = $".{_engine.Fingerprint}.cwasm";
        return System.IO.Directory.EnumerateFiles(Directory, "*" + suffix)
            .Select(path => Path.GetFileName(path)[..^suffix.Length])
            .Where(IsHash)
            .ToList();
    }

    public void Evict(string sha256)
    {
        ValidateHash(sha256);
        _memory.Remove(sha256);
        File.Delete(ArtifactPath(sha256));
    }

    private CompiledModule? GetOrLoad(string sha256)
    {
        if (_memory.TryGet(sha256, out var cached))
        {
            Interlocked.Increment(ref _memoryHits);
            Observer?.Lookup(CacheLookupResult.Memory);
            return cached;
        }

        var loading = _loading.GetOrAdd(sha256, key => new Lazy<CompiledModule?>(() => Load(key)));
        try
        {
            return loading.Value;
        }
        finally
        {
            _loading.TryRemove(KeyValuePair.Create(sha256, loading));
        }
    }

    private CompiledModule? Load(string sha256)
    {
        var loaded = LoadFromDisk(sha256);
        if (loaded is not null)
        {
            Interlocked.Increment(ref _diskHits);
            Observer?.Lookup(CacheLookupResult.Disk);
            _memory.Add(loaded);
            return loaded;
        }

        Interlocked.Increment(ref _misses);
        Observer?.Lookup(CacheLookupResult.Miss);
        return null;
    }

    private CompiledModule? LoadFromDisk(string sha256)
    {
        var path = ArtifactPath(sha256);
        var artifact = ArtifactFile.ReadChecked(path, sha256, _engine.Fingerprint, out var problem);
        // An empty signature marks this cache's own compile. A signed one is verified again, so a
        // key dropped from the trusted list stops its artifacts from loading.
        if (artifact is not null && artifact.Signature.Length > 0)
            problem = Verifier is null ? "signed, and no trusted artifact key is configured" : Verifier.Verify(artifact, artifact.Kind, sha256, _engine.Fingerprint);

        if (artifact is not null && problem is null)
        {
            try
            {
                return CompiledModule.Load(_engine, sha256, artifact.Bytes, artifact.Kind);
            }
            catch (WasmtimeException ex)
            {
                problem = ex.Message;
            }
            catch (InvalidModuleException ex)
            {
                problem = ex.Message;
            }
        }

        if (problem is not null)
        {
            Interlocked.Increment(ref _corrupt);
            Trace.TraceWarning($"Discarding artifact {path}: {problem}");
            File.Delete(path);
        }

        return null;
    }

    private async Task<CompiledModule> CompileAsync(string sha256, byte[] wasmBytes)
    {
        try
        {
            // Off the first caller's thread: the compile belongs to every caller.
            await Task.Yield();
            if (_memory.TryGet(sha256, out var stored)) return stored;

            var started = Stopwatch.GetTimestamp();
            var (error, output) = await _validator.CompileAsync(wasmBytes, partition: null, CancellationToken.None);
            if (error is not null || output is null) throw new InvalidModuleException(error ?? "invalid module");

            var elapsed = Stopwatch.GetElapsedTime(started);
            Interlocked.Increment(ref _compiles);
            Interlocked.Add(ref _compileTicks, elapsed.Ticks);
            Observer?.Compiled(sha256, elapsed);
            ArtifactFile.Write(ArtifactPath(sha256), new SignedArtifact(output.Compiled.ArtifactKind, sha256, _engine.Fingerprint, output.Artifact, []));
            var compiled = output.Compiled;
            _memory.Add(compiled);
            return compiled;
        }
        finally
        {
            // Forget the flight once it lands, success or not: later callers hit the cache or try again.
            _compiling.TryRemove(sha256, out _);
        }
    }

    private string ArtifactPath(string sha256) => Path.Combine(Directory, ArtifactFile.FileName(sha256, _engine.Fingerprint));

    private static void ValidateHash(string sha256)
    {
        if (!IsHash(sha256)) throw new ArgumentException("expected a lowercase hex SHA-256", nameof(sha256));
    }

    internal static bool IsHash(string value) => value.Length == 64 && IsHex(value);

    internal static bool IsHex(string value) => value.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f');
}
