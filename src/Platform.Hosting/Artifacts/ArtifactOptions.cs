namespace Platform.Hosting.Artifacts;

/// <summary>
/// <c>Platform:Artifacts</c>: the control plane's signing key and artifact folder, and the keys a
/// worker trusts. A worker takes trusted keys from its own configuration only, never from the
/// cluster channel (docs/security.md says why).
/// </summary>
public sealed class ArtifactOptions
{
    public const string SectionName = "Platform:Artifacts";

    /// <summary>
    /// Control plane: the PKCS#8 PEM ECDSA P-256 key that signs upload artifacts, created (0600)
    /// with its public key at <c>PATH.pub</c> when missing. Unset: no artifact is shipped, workers compile.
    /// </summary>
    public string? SigningKeyPath { get; set; }

    /// <summary>Control plane: where signed artifacts are kept. Default: <c>artifacts</c> beside the signing key.</summary>
    public string? Directory { get; set; }

    /// <summary>Worker: trusted public keys as SubjectPublicKeyInfo PEM text (several during a rotation).</summary>
    public List<string> TrustedPublicKeys { get; set; } = [];

    /// <summary>Worker: files holding trusted public keys (PEM), e.g. the control plane's <c>PATH.pub</c>.</summary>
    public List<string> TrustedPublicKeyPaths { get; set; } = [];

    /// <summary>Worker: the largest artifact it takes from a push or fetch. Default 256 MiB (a JavaScript component's is about 45 MB).</summary>
    public long MaxArtifactBytes { get; set; } = 256L << 20;

    public string ArtifactDirectory() =>
        Directory ?? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(SigningKeyPath ?? "."))!, "artifacts");

    public IEnumerable<string> Validate()
    {
        if (MaxArtifactBytes < 1 << 20) yield return $"{SectionName}:MaxArtifactBytes must be at least 1 MiB";
        foreach (var path in TrustedPublicKeyPaths)
        {
            if (!File.Exists(path)) yield return $"{SectionName}:TrustedPublicKeyPaths names {path}, which does not exist";
        }
    }
}
