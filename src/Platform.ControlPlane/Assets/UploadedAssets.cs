namespace Platform.ControlPlane.Assets;

/// <summary>
/// An asset bundle that passed validation, as it is stored: its canonical tar (see
/// <see cref="Runtime.Files.AssetArchive.Pack"/>) and that tar's SHA-256.
/// </summary>
internal sealed record UploadedAssets(string Sha256, byte[] Canonical, long FileBytes, int FileCount)
{
    public VersionAssets View => new(Sha256, FileBytes, FileCount);
}

/// <summary>A version's asset bundle as the version view shows it.</summary>
public sealed record VersionAssets(string Sha256, long Bytes, int Files);
