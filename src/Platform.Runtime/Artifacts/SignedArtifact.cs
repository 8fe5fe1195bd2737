using System.Security.Cryptography;
using System.Text;

namespace Platform.Runtime.Artifacts;

/// <summary>
/// A compiled artifact as it travels and rests: its bytes, what it claims to be (kind, module,
/// engine fingerprint) and the compiler's signature over those claims and the bytes' SHA-256.
/// Nothing here is trusted until <see cref="ArtifactVerifier"/> says so.
/// </summary>
public sealed record SignedArtifact(ArtifactKind Kind, string ModuleSha256, string Fingerprint, byte[] Bytes, byte[] Signature)
{
    private static readonly byte[] Domain = "platform-artifact-v1\n"u8.ToArray();

    /// <summary>
    /// The signed bytes: a domain prefix, the kind, the module's and the artifact's SHA-256 and the
    /// fingerprint. The artifact's hash is computed here, never taken from the sender.
    /// </summary>
    internal static byte[] Statement(ArtifactKind kind, string moduleSha256, string fingerprint, ReadOnlySpan<byte> artifact)
    {
        var fingerprintBytes = Encoding.ASCII.GetBytes(fingerprint);
        var statement = new byte[Domain.Length + 1 + 32 + 32 + fingerprintBytes.Length];
        var span = statement.AsSpan();
        Domain.CopyTo(span);
        span[Domain.Length] = (byte)kind;
        Convert.FromHexString(moduleSha256, span.Slice(Domain.Length + 1, 32), out _, out _);
        SHA256.HashData(artifact, span.Slice(Domain.Length + 33, 32));
        fingerprintBytes.CopyTo(span[(Domain.Length + 65)..]);
        return statement;
    }
}
