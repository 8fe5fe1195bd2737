using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Platform.Runtime.Caching;

/// <summary>
/// The on-disk artifact: a header that binds the payload to its module hash and engine
/// fingerprint, and a SHA-256 of the payload, checked before Wasmtime deserializes it
/// (deserializing bytes that Wasmtime did not produce is unsafe).
/// Layout: magic(8) fingerprint(16) moduleSha256(32) payloadLength(8, LE) payloadSha256(32) payload.
/// </summary>
internal static class ArtifactFile
{
    private const int FingerprintLength = 16;
    private const int HeaderLength = 8 + FingerprintLength + 32 + 8 + 32;
    private static readonly byte[] Magic = "PLATART1"u8.ToArray();

    public static string FileName(string moduleSha256, string fingerprint) => $"{moduleSha256}.{fingerprint}.cwasm";

    public static void Write(string path, string moduleSha256, string fingerprint, ReadOnlySpan<byte> payload)
    {
        var header = new byte[HeaderLength];
        Magic.CopyTo(header, 0);
        Encoding.ASCII.GetBytes(fingerprint, header.AsSpan(8, FingerprintLength));
        Convert.FromHexString(moduleSha256).CopyTo(header, 8 + FingerprintLength);
        BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(56, 8), payload.Length);
        SHA256.HashData(payload, header.AsSpan(64, 32));

        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                stream.Write(header);
                stream.Write(payload);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }

    /// <summary>Reads and verifies; returns the payload, or null with the reason when the file is not trustworthy.</summary>
    public static byte[]? ReadVerified(string path, string moduleSha256, string fingerprint, out string? problem)
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
        if (!header.Slice(8, FingerprintLength).SequenceEqual(Encoding.ASCII.GetBytes(fingerprint)))
        {
            problem = "engine fingerprint differs";
            return null;
        }

        if (!header.Slice(24, 32).SequenceEqual(Convert.FromHexString(moduleSha256)))
        {
            problem = "module hash differs";
            return null;
        }

        var length = BinaryPrimitives.ReadInt64LittleEndian(header.Slice(56, 8));
        var payload = content.AsSpan(HeaderLength);
        if (length != payload.Length)
        {
            problem = $"truncated: {payload.Length} of {length} bytes";
            return null;
        }

        if (!SHA256.HashData(payload).AsSpan().SequenceEqual(header.Slice(64, 32)))
        {
            problem = "payload checksum mismatch";
            return null;
        }

        problem = null;
        return payload.ToArray();
    }
}
