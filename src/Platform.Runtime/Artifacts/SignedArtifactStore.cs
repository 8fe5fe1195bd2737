using Platform.Runtime.Caching;

namespace Platform.Runtime.Artifacts;

/// <summary>
/// Signed artifacts on disk by module hash and engine fingerprint, in the format of the worker's
/// cache: where the control plane keeps what it compiled at upload, to ship with pushes and fetches.
/// </summary>
public sealed class SignedArtifactStore
{
    public SignedArtifactStore(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        Directory = Path.GetFullPath(directory);
        System.IO.Directory.CreateDirectory(Directory);
    }

    public string Directory { get; }

    public void Save(SignedArtifact artifact)
    {
        ArgumentNullException.ThrowIfNull(artifact);
        ArtifactFile.Write(PathOf(artifact.ModuleSha256, artifact.Fingerprint), artifact);
    }

    /// <summary>The stored artifact, or null when there is none or it is not intact (then it is removed).</summary>
    public SignedArtifact? TryGet(string moduleSha256, string fingerprint)
    {
        var path = PathOf(moduleSha256, fingerprint);
        var artifact = ArtifactFile.ReadChecked(path, moduleSha256, fingerprint, out var problem);
        if (problem is not null) File.Delete(path);
        return artifact;
    }

    public void Delete(string moduleSha256)
    {
        foreach (var path in System.IO.Directory.EnumerateFiles(Directory, ArtifactFile.FileName(moduleSha256, "*")))
            File.Delete(path);
    }

    private string PathOf(string moduleSha256, string fingerprint)
    {
        if (!ArtifactCache.IsHash(moduleSha256)) throw new ArgumentException("expected a lowercase hex SHA-256", nameof(moduleSha256));
        if (fingerprint.Length != 16 || !ArtifactCache.IsHex(fingerprint)) throw new ArgumentException("expected a 16-digit engine fingerprint", nameof(fingerprint));
        return Path.Combine(Directory, ArtifactFile.FileName(moduleSha256, fingerprint));
    }
}
