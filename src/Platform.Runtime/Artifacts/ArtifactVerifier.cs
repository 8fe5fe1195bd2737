using System.Security.Cryptography;

namespace Platform.Runtime.Artifacts;

/// <summary>
/// The public keys a worker trusts to have compiled an artifact (several during a rotation).
/// An artifact is native code: it is deserialized only after <see cref="Verify"/> found no problem.
/// </summary>
public sealed class ArtifactVerifier : IDisposable
{
    private readonly List<ECDsa> _keys = [];

    /// <param name="publicKeysPem">SubjectPublicKeyInfo PEM of each trusted P-256 key.</param>
    public ArtifactVerifier(IEnumerable<string> publicKeysPem)
    {
        ArgumentNullException.ThrowIfNull(publicKeysPem);
        try
        {
            foreach (var pem in publicKeysPem)
            {
                var key = ECDsa.Create();
                _keys.Add(key);
                key.ImportFromPem(pem);
                if (key.KeySize != 256) throw new CryptographicException("a trusted artifact key is not a P-256 key");
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public int KeyCount => _keys.Count;

    /// <summary>
    /// Null when <paramref name="artifact"/> is a <paramref name="kind"/> artifact of module
    /// <paramref name="moduleSha256"/> for engine <paramref name="fingerprint"/>, signed by a trusted key;
    /// otherwise why not.
    /// </summary>
    public string? Verify(SignedArtifact artifact, ArtifactKind kind, string moduleSha256, string fingerprint)
    {
        ArgumentNullException.ThrowIfNull(artifact);
        if (artifact.Kind != kind) return $"the artifact is a {artifact.Kind}, not a {kind}";
        if (!string.Equals(artifact.Fingerprint, fingerprint, StringComparison.Ordinal))
            return $"the artifact was compiled for engine {artifact.Fingerprint}, this engine is {fingerprint}";
        if (!string.Equals(artifact.ModuleSha256, moduleSha256, StringComparison.Ordinal))
            return "the artifact belongs to another module";
        if (_keys.Count == 0) return "no trusted artifact key is configured";
        if (artifact.Signature.Length == 0) return "the artifact is not signed";

        var statement = SignedArtifact.Statement(kind, moduleSha256, fingerprint, artifact.Bytes);
        foreach (var key in _keys)
        {
            if (key.VerifyData(statement, artifact.Signature, HashAlgorithmName.SHA256)) return null;
        }

        return "the artifact's signature does not verify with any trusted key";
    }

    public void Dispose()
    {
        foreach (var key in _keys) key.Dispose();
        _keys.Clear();
    }
}
