using Platform.Runtime;
using Platform.Runtime.Artifacts;

namespace Platform.Hosting.Artifacts;

/// <summary>
/// The control plane's side of shipping artifacts: signs what it compiled at upload and keeps it
/// by module and engine fingerprint. Disabled (nothing kept, nothing shipped) without a signing key.
/// </summary>
public sealed class ArtifactSigning : IDisposable
{
    private readonly ArtifactSigner? _signer;
    private readonly SignedArtifactStore? _store;
    private readonly string _fingerprint;

    public ArtifactSigning(ArtifactOptions options, WasmEngine engine)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(engine);
        _fingerprint = engine.Fingerprint;
        if (string.IsNullOrEmpty(options.SigningKeyPath)) return;
        _signer = ArtifactSigner.LoadOrCreate(options.SigningKeyPath);
        _store = new SignedArtifactStore(options.ArtifactDirectory());
    }

    public bool Enabled => _signer is not null;

    /// <summary>The public key of the signing key, when there is one.</summary>
    public string? PublicKeyPem => _signer?.PublicKeyPem;

    /// <summary>The engine fingerprint of what this process compiles.</summary>
    public string Fingerprint => _fingerprint;

    /// <summary>Signs and keeps the artifact of an upload's compile (no-op when disabled).</summary>
    public void Keep(string moduleSha256, byte[] artifact, ArtifactKind kind)
    {
        if (_signer is null || _store is null) return;
        _store.Save(_signer.Sign(kind, moduleSha256, _fingerprint, artifact));
    }

    /// <summary>The kept artifact for <paramref name="fingerprint"/> (default: this engine's), or null.</summary>
    public SignedArtifact? TryGet(string moduleSha256, string? fingerprint = null)
    {
        if (_store is null) return null;
        fingerprint ??= _fingerprint;
        return fingerprint == _fingerprint ? _store.TryGet(moduleSha256, fingerprint) : null;
    }

    public void Forget(string moduleSha256) => _store?.Delete(moduleSha256);

    public void Dispose() => _signer?.Dispose();
}
