using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace Platform.Worker.Hosting;

/// <summary>
/// The worker's folder (<see cref="WorkerOptions.CacheDir"/>): artifacts under <c>artifacts/</c>, asset bundles under <c>assets/</c>,
/// the persisted worker id in <c>worker-id</c>, and a <c>.lock</c> held while the worker runs so
/// that two workers (processes, or hosts in one process) never share a cache.
/// </summary>
internal sealed class WorkerDirectory : IDisposable
{
    private const string IdFile = "worker-id";
    private const string LockFile = ".lock";
    private readonly FileStream _lock;

    public WorkerDirectory(IOptions<WorkerOptions> options)
    {
        var o = options.Value;
        Root = Path.GetFullPath(o.CacheDir);
        Directory.CreateDirectory(Root);
        ArtifactsPath = Path.Combine(Root, "artifacts");
        Directory.CreateDirectory(ArtifactsPath);
        AssetsPath = Path.Combine(Root, "assets");
        Directory.CreateDirectory(AssetsPath);
        try
        {
            _lock = new FileStream(Path.Combine(Root, LockFile), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
        }
        catch (IOException ex)
        {
            throw new InvalidOperationException(
                $"the worker cache folder {Root} is in use by another worker; give each worker its own Platform:CacheDir", ex);
        }

        try
        {
            WorkerId = o.WorkerId ?? ReadOrCreateId(Path.Combine(Root, IdFile));
        }
        catch (Exception)
        {
            _lock.Dispose();
            throw;
        }
    }

    public string Root { get; }

    public string ArtifactsPath { get; }

    /// <summary>Verified asset bundles (canonical tars), one file per SHA-256.</summary>
    public string AssetsPath { get; }

    public string WorkerId { get; }

    public void Dispose() => _lock.Dispose();

    private static string ReadOrCreateId(string path)
    {
        if (File.Exists(path))
        {
            var existing = File.ReadAllText(path).Trim();
            if (WorkerOptionsValidator.IsValidWorkerId(existing)) return existing;
            throw new InvalidOperationException($"{path} does not hold a valid worker id; delete it to have a new one generated");
        }

        var id = "worker-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, id + "\n");
        File.Move(temporary, path, overwrite: true);
        return id;
    }
}
