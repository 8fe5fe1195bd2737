using System.Buffers.Binary;
using System.Text;

namespace Platform.Runtime.Compilation;

/// <summary>
/// The compiler process's pipe protocol. Request: length (int32 LE) and the module's bytes.
/// Reply: a kind byte, length (int32 LE), payload (the artifact, a UTF-8 error, or at start the
/// engine fingerprint).
/// </summary>
internal static class CompileFrames
{
    public const byte Artifact = 0;
    public const byte Invalid = 1;
    public const byte Ready = 2;

    /// <summary>No artifact or module this platform accepts comes near it; a larger length means a broken pipe.</summary>
    private const int MaxFrameBytes = 1 << 30;

    public static async Task WriteRequestAsync(Stream stream, byte[] wasm, CancellationToken cancellationToken)
    {
        var header = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(header, wasm.Length);
        await stream.WriteAsync(header, cancellationToken);
        await stream.WriteAsync(wasm, cancellationToken);
        await stream.FlushAsync(cancellationToken);
    }

    /// <summary>Null at the end of the stream (the parent went away).</summary>
    public static byte[]? ReadRequest(Stream stream)
    {
        var header = new byte[4];
        if (!TryReadExactly(stream, header)) return null;
        var length = BinaryPrimitives.ReadInt32LittleEndian(header);
        if (length is < 0 or > MaxFrameBytes) throw new InvalidDataException($"request frame of {length} bytes");
        var payload = new byte[length];
        return TryReadExactly(stream, payload) ? payload : null;
    }

    public static void WriteReply(Stream stream, byte kind, ReadOnlySpan<byte> payload)
    {
        Span<byte> header = stackalloc byte[5];
        header[0] = kind;
        BinaryPrimitives.WriteInt32LittleEndian(header[1..], payload.Length);
        stream.Write(header);
        stream.Write(payload);
        stream.Flush();
    }

    public static void WriteReply(Stream stream, byte kind, string text) => WriteReply(stream, kind, Encoding.UTF8.GetBytes(text));

    /// <summary>Throws <see cref="EndOfStreamException"/> when the process died before answering.</summary>
    public static async Task<(byte Kind, byte[] Payload)> ReadReplyAsync(Stream stream, CancellationToken cancellationToken)
    {
        var header = new byte[5];
        await stream.ReadExactlyAsync(header, cancellationToken);
        var length = BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(1));
        if (length is < 0 or > MaxFrameBytes) throw new InvalidDataException($"reply frame of {length} bytes");
        var payload = new byte[length];
        await stream.ReadExactlyAsync(payload, cancellationToken);
        return (header[0], payload);
    }

    private static bool TryReadExactly(Stream stream, byte[] buffer)
    {
        var read = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        return read == buffer.Length;
    }
}
