using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Platform.Runtime.Files;
using Platform.Worker.Cluster;
using Platform.Worker.Hosting;

namespace Platform.Worker.Assets;

/// <summary>
/// The worker's asset bundles: parsed bundles in memory (least recently used dropped past
/// <see cref="WorkerOptions.AssetCacheBytes"/>), their verified canonical tars on disk, and a
/// fetch from the control plane for what neither holds. Concurrent requests for one missing
/// bundle share one fetch (single flight, as <see cref="Modules.ModuleStore"/> does for modules);
/// a failed fetch is not remembered. Every tar is checked against its SHA-256 before it is parsed,
/// whether it came from the network or the disk.
/// </summary>
internal sealed partial class AssetCache
{
    /// <summary>The largest canonical tar a fetch may bring: the platform's bound on a bundle plus its headers.</summary>
    public const long MaxArchiveBytes = 2L << 30;

    private readonly ControlPlaneClient _controlPlane;
    private readonly ILogger<AssetCache> _logger;
    private readonly CancellationToken _stopping;
    private readonly string _directory;
    private readonly long _budget;
    private readonly ConcurrentDictionary<string, Lazy<Task<AssetBundle>>> _fetching = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private readonly Dictionary<string, LinkedListNode<(string Sha256, AssetBundle Bundle)>> _memory = new(StringComparer.Ordinal);
    private readonly LinkedList<(string Sha256, AssetBundle Bundle)> _recency = new();
    private long _memoryBytes;
    private long _fetches;

    public AssetCache(WorkerDirectory directory, ControlPlaneClient controlPlane, IOptions<WorkerOptions> options, IHostApplicationLifetime lifetime, ILogger<AssetCache> logger)
    {
        _directory = directory.AssetsPath;
        _controlPlane = controlPlane;
        _budget = options.Value.AssetCacheBytes;
        _stopping = lifetime.ApplicationStopping;
        _logger = logger;
    }

    /// <summary>Fetches from the control plane since start (successful or not).</summary>
    public long Fetches => Interlocked.Read(ref _fetches);

    /// <summary>Bytes of file contents held in memory now.</summary>
    public long MemoryBytes
    {
        get
        {
            lock (_lock)
                return _memoryBytes;
        }
    }

    /// <summary>
    /// The bundle, from memory, the disk, or fetched. Throws <see cref="ModuleUnavailableException"/>
    /// when it cannot be had (the caller's invocation may go to another worker).
    /// </summary>
    public async ValueTask<AssetBundle> GetAsync(string sha256, CancellationToken cancellationToken)
    {
        if (TryGetMemory(sha256) is { } held)
            return held;
        var flight = _fetching.GetOrAdd(sha256, key => new Lazy<Task<AssetBundle>>(() => LoadAsync(key)));
        return await flight.Value.WaitAsync(cancellationToken);
    }

    /// <summary>Drops the bundle from memory and disk; true when it was held.</summary>
    public bool Evict(string sha256)
    {
        bool held;
        lock (_lock)
        {
            held = _memory.Remove(sha256, out var node);
            if (held)
            {
                _recency.Remove(node!);
                _memoryBytes -= node!.Value.Bundle.TotalBytes;
            }
        }

        var path = PathOf(sha256);
        if (File.Exists(path))
        {
            File.Delete(path);
            held = true;
        }

        return held;
    }

    private async Task<AssetBundle> LoadAsync(string sha256)
    {
        try
        {
            // Off the caller's thread: the flight belongs to every caller, not the first.
            await Task.Yield();
            if (TryGetMemory(sha256) is { } held)
                return held;
            var bundle = await ReadDiskAsync(sha256) ?? await FetchAsync(sha256);
            Remember(sha256, bundle);
            return bundle;
        }
        finally
        {
            _fetching.TryRemove(sha256, out _);
        }
    }

    private async Task<AssetBundle?> ReadDiskAsync(string sha256)
    {
        var path = PathOf(sha256);
        if (!File.Exists(path))
            return null;
        var tar = await File.ReadAllBytesAsync(path, _stopping);
        if (Convert.ToHexStringLower(SHA256.HashData(tar)) != sha256)
        {
            // A torn or altered file: fetch again rather than serve it.
            LogCorrupt(_logger, sha256);
            File.Delete(path);
            return null;
        }

        return await ParseAsync(sha256, tar);
    }

    private async Task<AssetBundle> FetchAsync(string sha256)
    {
        Interlocked.Increment(ref _fetches);
        var started = Stopwatch.GetTimestamp();
        var tar = await _controlPlane.FetchAssetsAsync(sha256, MaxArchiveBytes, _stopping);
        var bundle = await ParseAsync(sha256, tar);
        var temporary = PathOf(sha256) + "." + Guid.NewGuid().ToString("N") + ".tmp";
        await File.WriteAllBytesAsync(temporary, tar, _stopping);
        File.Move(temporary, PathOf(sha256), overwrite: true);
        LogFetched(_logger, sha256, tar.Length, bundle.Files.Count, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        return bundle;
    }

    private async Task<AssetBundle> ParseAsync(string sha256, byte[] tar)
    {
        try
        {
            return await AssetArchive.ReadAsync(new MemoryStream(tar, writable: false), AssetLimits.Trusted, _stopping);
        }
        catch (AssetArchiveException ex)
        {
            throw new ModuleUnavailableException($"asset bundle {sha256} matches its hash but cannot be read: {ex.Message}", ex);
        }
    }

    private AssetBundle? TryGetMemory(string sha256)
    {
        lock (_lock)
        {
            if (!_memory.TryGetValue(sha256, out var node))
                return null;
            _recency.Remove(node);
            _recency.AddFirst(node);
            return node.Value.Bundle;
        }
    }

    private void Remember(string sha256, AssetBundle bundle)
    {
        // A bundle larger than the whole budget is served from the disk each time instead.
        if (bundle.TotalBytes > _budget)
            return;
        lock (_lock)
        {
            if (_memory.ContainsKey(sha256))
                return;
            _memory[sha256] = _recency.AddFirst((sha256, bundle));
            _memoryBytes += bundle.TotalBytes;
            while (_memoryBytes > _budget && _recency.Last is { } oldest)
            {
                _recency.RemoveLast();
                _memory.Remove(oldest.Value.Sha256);
                _memoryBytes -= oldest.Value.Bundle.TotalBytes;
            }
        }
    }

    private string PathOf(string sha256) => Path.Combine(_directory, sha256 + ".tar");

    [LoggerMessage(Level = LogLevel.Information, Message = "Fetched asset bundle {Sha256} ({Bytes} bytes, {Files} files) in {Ms:F1} ms")]
    private static partial void LogFetched(ILogger logger, string sha256, int bytes, int files, double ms);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Asset bundle {Sha256} on disk does not match its hash; fetching it again")]
    private static partial void LogCorrupt(ILogger logger, string sha256);
}
