using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Platform.Runtime.Artifacts;

namespace Platform.Runtime.Caching;

/// <summary>
/// The on-disk artifact: a header that binds the payload to its kind, module hash and engine
/// fingerprint, a SHA-256 of the payload (checked before Wasmtime deserializes it: deserializing
/// bytes that Wasmtime did not produce is unsafe) and, for an artifact another process compiled,
/// the compiler's signature, verified again on every load.
/// Layout: magic(8) kind(1) fingerprint(16) moduleSha256(32) payloadLength(8, LE) payloadSha256(32)
/// signatureLength(2, LE) signature payload.
/// </summary>
internal static class ArtifactFile
{
    private const int FingerprintLength = 16;
    private const int HeaderLength = 8 + 1 + FingerprintLength + 32 + 8 + 32 + 2;
    private const int MaxSignatureLength = 1024;
    private static readonly byte[] Magic = "PLATART2"u8.ToArray();

    public static string FileName(string moduleSha256, string fingerprint) => $"{moduleSha256}.{fingerprint}.cwasm";

    public static void Write(string path, SignedArtifact artifact)
    {
        if (artifact.Signature.Length > MaxSignatureLength) throw new ArgumentException("signature too long", nameof(artifact));
        var header = new byte[HeaderLength + artifact.Signature.Length];
        Magic.CopyTo(header, 0);
        header[8] = (byte)artifact.Kind;
        Encoding.ASCII.GetBytes(artifact.Fingerprint, header.AsSpan(9, FingerprintLength));
        Convert.FromHexString(artifact.ModuleSha256).CopyTo(header, 9 + FingerprintLength);
        BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(57, 8), artifact.Bytes.Length);
        SHA256.HashData(artifact.Bytes, header.AsSpan(65, 32));
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(97, 2), (ushort)artifact.Signature.Length);
        artifact.Signature.CopyTo(header, HeaderLength);

        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                stream.Write(header);
                stream.Write(artifact.Bytes);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }

    /// <summary>
    /// Reads and checks the header and checksum; returns the artifact (its signature empty when
    /// this process compiled it), or null with the reason when the file is not intact. The
    /// signature is the caller's to verify.
    /// </summary>
    public static SignedArtifact? ReadChecked(string path, string moduleSha256, string fingerprint, out string? problem)
    {
        byte[] content;
        try
        {
            content = File.ReadAllBytes(path);
        }
        catch (FileNotFoundException)
        {
            problem = null;
            return null;
        }

        if (content.Length < HeaderLength || !content.AsSpan(0, 8).SequenceEqual(Magic))
        {
            problem = "bad header";
            return null;
        }

        var header = content.AsSpan(0, HeaderLength);
        if (!Enum.IsDefined((ArtifactKind)header[8]))
        {
            problem = $"unknown artifact kind {header[8]}";
            return null;
        }

        if (!header.Slice(9, FingerprintLength).SequenceEqual(Encoding.ASCII.GetBytes(fingerprint)))
        {
            problem = "engine fingerprint differs";
            return null;
        }

        if (!header.Slice(25, 32).SequenceEqual(Convert.FromHexString(moduleSha256)))
        {
            problem = "module hash differs";
            return null;
        }

        var length = BinaryPrimitives.ReadInt64LittleEndian(header.Slice(57, 8));
        var signatureLength = BinaryPrimitives.ReadUInt16LittleEndian(header.Slice(97, 2));
        if (signatureLength > MaxSignatureLength || content.Length < HeaderLength + signatureLength)
        {
            problem = "bad signature length";
            return null;
        }

        var payload = content.AsSpan(HeaderLength + signatureLength);
        if (length != payload.Length)
        {
            problem = $"truncated: {payload.Length} of {length} bytes";
            return null;
        }

        if (!SHA256.HashData(payload).AsSpan().SequenceEqual(header.Slice(65, 32)))
        {
            problem = "payload checksum mismatch";
            return null;
        }

        problem = null;
        var signature = content.AsSpan(HeaderLength, signatureLength).ToArray();
        return new SignedArtifact((ArtifactKind)header[8], moduleSha256, fingerprint, payload.ToArray(), signature);
    }
}
