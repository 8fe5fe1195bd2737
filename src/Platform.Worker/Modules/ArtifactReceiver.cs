using Google.Protobuf;
using Platform.Contracts.V1;
using Platform.Runtime.Artifacts;

namespace Platform.Worker.Modules;

/// <summary>
/// Collects a shipped artifact's chunks under its header, within <c>Platform:Artifacts:MaxArtifactBytes</c>.
/// A malformed one (unknown kind, oversize, more or fewer bytes than announced) is not an error of
/// the push or fetch: its bytes are dropped as they come and the module is compiled here instead.
/// </summary>
internal sealed class ArtifactReceiver
{
    private const int MaxSignatureBytes = 1024;
    private const int MaxFingerprintLength = 64;
    private readonly ArtifactHeader _header;
    private readonly string _moduleSha256;
    private MemoryStream? _buffer;

    public ArtifactReceiver(ArtifactHeader header, string moduleSha256, long maxBytes)
    {
        _header = header;
        _moduleSha256 = moduleSha256;
        Problem = header.Kind switch
        {
            Contracts.V1.ArtifactKind.CoreModule or Contracts.V1.ArtifactKind.Component => null,
            _ => $"unknown artifact kind {header.Kind}",
        };
        Problem ??= header.SizeBytes <= 0 || header.SizeBytes > maxBytes ? $"the artifact's size {header.SizeBytes} is outside 1..{maxBytes} bytes (Platform:Artifacts:MaxArtifactBytes)" : null;
        Problem ??= header.Signature.Length > MaxSignatureBytes ? "the artifact's signature is too long" : null;
        Problem ??= header.EngineFingerprint.Length > MaxFingerprintLength ? "the artifact's engine fingerprint is too long" : null;
        if (Problem is null) _buffer = new MemoryStream((int)Math.Min(header.SizeBytes, 64L << 20));
    }

    /// <summary>Why the artifact will not be offered to the cache, once known.</summary>
    public string? Problem { get; private set; }

    public void Append(ByteString chunk)
    {
        if (_buffer is null) return;
        if (_buffer.Length + chunk.Length > _header.SizeBytes)
        {
            Drop($"the artifact carries more than the {_header.SizeBytes} bytes its header announced");
            return;
        }

        _buffer.Write(chunk.Span);
    }

    /// <summary>The artifact to verify, or null (then <see cref="Problem"/> says why).</summary>
    public SignedArtifact? Complete()
    {
        if (_buffer is null) return null;
        if (_buffer.Length != _header.SizeBytes)
        {
            Drop($"the artifact carries {_buffer.Length} of the {_header.SizeBytes} bytes its header announced");
            return null;
        }

        var kind = _header.Kind == Contracts.V1.ArtifactKind.Component ? Runtime.Artifacts.ArtifactKind.Component : Runtime.Artifacts.ArtifactKind.CoreModule;
        return new SignedArtifact(kind, _moduleSha256, _header.EngineFingerprint, _buffer.ToArray(), _header.Signature.ToByteArray());
    }

    private void Drop(string problem)
    {
        Problem = problem;
        _buffer?.Dispose();
        _buffer = null;
    }
}
