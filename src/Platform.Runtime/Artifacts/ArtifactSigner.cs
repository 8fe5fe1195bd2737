using System.Security.Cryptography;

namespace Platform.Runtime.Artifacts;

/// <summary>
/// The compiler's private key (ECDSA P-256): signs the artifacts the control plane compiled, so a
/// worker can load them instead of compiling. Only the control plane holds one.
/// </summary>
public sealed class ArtifactSigner : IDisposable
{
    private readonly ECDsa _key;

    private ArtifactSigner(ECDsa key)
    {
        _key = key;
        PublicKeyPem = key.ExportSubjectPublicKeyInfoPem();
    }

    /// <summary>The public key (SubjectPublicKeyInfo PEM) workers trust.</summary>
    public string PublicKeyPem { get; }

    /// <summary>Where <see cref="LoadOrCreate"/> writes the public key beside a private key file.</summary>
    public static string PublicKeyPath(string privateKeyPath) => privateKeyPath + ".pub";

    /// <summary>A key that lives only in memory (tests).</summary>
    public static ArtifactSigner CreateEphemeral() => new(ECDsa.Create(ECCurve.NamedCurves.nistP256));

    /// <summary>
    /// Reads the PKCS#8 PEM key at <paramref name="path"/>, or creates one there (owner read/write
    /// only) with its public key beside it (<see cref="PublicKeyPath"/>).
    /// </summary>
    public static ArtifactSigner LoadOrCreate(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var key = ECDsa.Create();
        try
        {
            if (File.Exists(path))
            {
                key.ImportFromPem(File.ReadAllText(path));
                if (key.KeySize != 256)
                    throw new CryptographicException($"the artifact signing key in {path} is not a P-256 key");
            }
            else
            {
                key.GenerateKey(ECCurve.NamedCurves.nistP256);
                Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
                WriteOwnerOnly(path, key.ExportPkcs8PrivateKeyPem());
            }

            var signer = new ArtifactSigner(key);
            File.WriteAllText(PublicKeyPath(path), signer.PublicKeyPem);
            return signer;
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    public SignedArtifact Sign(ArtifactKind kind, string moduleSha256, string fingerprint, byte[] artifact)
    {
        ArgumentNullException.ThrowIfNull(artifact);
        var statement = SignedArtifact.Statement(kind, moduleSha256, fingerprint, artifact);
        return new SignedArtifact(kind, moduleSha256, fingerprint, artifact, _key.SignData(statement, HashAlgorithmName.SHA256));
    }

    public void Dispose() => _key.Dispose();

    private static void WriteOwnerOnly(string path, string content)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using var stream = new FileStream(path, options);
        using var writer = new StreamWriter(stream);
        writer.Write(content);
    }
}
