using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Platform.Hosting.Artifacts;
using Platform.Runtime;
using Platform.Worker.Cluster;
using Platform.Worker.Telemetry;

namespace Platform.Worker.Modules;

/// <summary>
/// The worker's modules: the artifact cache (memory LRU over verified artifacts on disk) plus
/// fetching from the control plane what it lacks. Concurrent requests for one missing module share
/// one fetch and one compile; a failed fetch is not remembered, so the next request tries again.
/// </summary>
internal sealed partial class ModuleStore
{
    private readonly ControlPlaneClient _controlPlane;
    private readonly ILogger<ModuleStore> _logger;
    private readonly CancellationToken _stopping;
    private readonly ConcurrentDictionary<string, Lazy<Task<CompiledModule>>> _fetching = new(StringComparer.Ordinal);
    private long _fetches;

    private readonly long _maxArtifactBytes;

    public ModuleStore(ArtifactCache cache, ControlPlaneClient controlPlane, ArtifactOptions artifactOptions, IHostApplicationLifetime lifetime, ILogger<ModuleStore> logger)
    {
        _maxArtifactBytes = artifactOptions.MaxArtifactBytes;
        Cache = cache;
        _controlPlane = controlPlane;
        _logger = logger;
        _stopping = lifetime.ApplicationStopping;
    }

    public ArtifactCache Cache { get; }

    /// <summary>Fetches from the control plane since start (successful or not).</summary>
    public long Fetches => Interlocked.Read(ref _fetches);

    public static bool IsHash(string value) =>
        value.Length == 64 && value.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f');

    /// <summary>Modules this worker can run without fetching.</summary>
    public IReadOnlyList<string> List() => Cache.ListArtifacts();

    /// <summary>Memory, then disk; null when the module has to be fetched.</summary>
    public CompiledModule? TryGetLocal(string sha256) => Cache.TryGet(sha256);

    /// <summary>
    /// The module, from the cache or fetched from the control plane and compiled. Throws
    /// <see cref="ModuleUnavailableException"/> when it cannot be fetched and
    /// <see cref="InvalidModuleException"/> when the fetched bytes are not a runnable module.
    /// </summary>
    public async ValueTask<CompiledModule> GetAsync(string sha256, CancellationToken cancellationToken)
    {
        var local = Cache.TryGet(sha256);
        if (local is not null) return local;

        var fetch = _fetching.GetOrAdd(sha256, key => new Lazy<Task<CompiledModule>>(() => FetchAndCompileAsync(key)));
        return await fetch.Value.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Stores pushed bytes (already verified against <paramref name="sha256"/>): nothing when the
    /// module is already here, else the shipped artifact when it verifies, else a compile.
    /// </summary>
    public async Task<ModuleAdded> AddAsync(string sha256, byte[] wasm, ArtifactReceiver? artifact)
    {
        if (Cache.Contains(sha256) && Cache.TryGet(sha256) is not null)
            return new ModuleAdded(false, false, TimeSpan.Zero);
        if (TryLoadShipped(sha256, artifact) is not null)
            return new ModuleAdded(false, true, TimeSpan.Zero);
        var started = Stopwatch.GetTimestamp();
        await Cache.GetOrCompileAsync(wasm, _stopping);
        return new ModuleAdded(true, false, Stopwatch.GetElapsedTime(started));
    }

    public bool Evict(string sha256)
    {
        var held = Cache.Contains(sha256);
        Cache.Evict(sha256);
        return held;
    }

    /// <summary>Loads up to <paramref name="max"/> artifacts from disk into memory; returns the modules on disk.</summary>
    public IReadOnlyList<string> Preload(int max, CancellationToken cancellationToken)
    {
        var modules = Cache.ListArtifacts();
        foreach (var sha256 in modules.Take(max))
        {
            cancellationToken.ThrowIfCancellationRequested();
            Cache.TryGet(sha256);
        }

        return Cache.ListArtifacts();
    }

    private async Task<CompiledModule> FetchAndCompileAsync(string sha256)
    {
        try
        {
            // Off the caller's thread: the flight belongs to every caller, not the first.
            await Task.Yield();

            // A push may have landed since the caller looked.
            var local = Cache.TryGet(sha256);
            if (local is not null) return local;

            Interlocked.Increment(ref _fetches);
            using var activity = WorkerTelemetry.Source.StartActivity("module.fetch");
            activity?.SetTag(RuntimeTelemetry.Attributes.ModuleSha256, sha256);
            var started = Stopwatch.GetTimestamp();
            var (bytes, artifact) = await _controlPlane.FetchModuleAsync(sha256, Cache.Fingerprint, _maxArtifactBytes, _stopping);
            var fetched = Stopwatch.GetElapsedTime(started);
            var module = TryLoadShipped(sha256, artifact) ?? await Cache.GetOrCompileAsync(bytes, _stopping);
            LogFetched(_logger, sha256, bytes.Length, fetched.TotalMilliseconds, (Stopwatch.GetElapsedTime(started) - fetched).TotalMilliseconds);
            return module;
        }
        finally
        {
            // Forget the flight once it lands, success or not: later requests hit the cache or retry.
            _fetching.TryRemove(sha256, out _);
        }
    }

    /// <summary>The shipped artifact, loaded when it verifies; null (logged, counted) when absent or refused.</summary>
    private CompiledModule? TryLoadShipped(string sha256, ArtifactReceiver? received)
    {
        if (received is null) return null;
        var artifact = received.Complete();
        string? rejection;
        var loaded = artifact is null ? Cache.Reject(out rejection, received.Problem) : Cache.TryLoad(sha256, artifact, out rejection);
        if (loaded is null) LogArtifactRejected(_logger, sha256, rejection ?? "refused");
        return loaded;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused the shipped artifact of module {Sha256}: {Reason}; compiling it here")]
    private static partial void LogArtifactRejected(ILogger logger, string sha256, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Fetched module {Sha256} ({Bytes} bytes) in {FetchMs:F1} ms and loaded or compiled it in {CompileMs:F1} ms")]
    private static partial void LogFetched(ILogger logger, string sha256, int bytes, double fetchMs, double compileMs);
}

/// <summary>What a push did: compiled here, loaded the shipped artifact, or neither (the module was here).</summary>
internal readonly record struct ModuleAdded(bool Compiled, bool ArtifactLoaded, TimeSpan CompileTime);
