using System.Buffers.Binary;
using System.Text;
using System.Text.Json;

namespace Platform.Runtime.Compilation;

/// <summary>
/// The compiler process's pipe protocol. Request: a kind byte, length (int32 LE), payload (the
/// module's bytes to compile; or, to pre-initialise, the request as JSON behind its length, then
/// the module). Reply: a kind byte, length (int32 LE), payload (the artifact, a UTF-8 error, at
/// start the engine fingerprint, a snapshot or a pre-initialisation failure).
/// </summary>
internal static class CompileFrames
{
    public const byte CompileRequest = 0;
    public const byte PreinitRequest = 1;

    public const byte Artifact = 0;
    public const byte Invalid = 1;
    public const byte Ready = 2;
    public const byte Snapshot = 3;
    public const byte PreinitFailed = 4;

    /// <summary>No artifact or module this platform accepts comes near it; a larger length means a broken pipe.</summary>
    private const int MaxFrameBytes = 1 << 30;

    public static async Task WriteRequestAsync(Stream stream, byte kind, byte[] payload, CancellationToken cancellationToken)
    {
        var header = new byte[5];
        header[0] = kind;
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(1), payload.Length);
        await stream.WriteAsync(header, cancellationToken);
        await stream.WriteAsync(payload, cancellationToken);
        await stream.FlushAsync(cancellationToken);
    }

    /// <summary>Null at the end of the stream (the parent went away).</summary>
    public static (byte Kind, byte[] Payload)? ReadRequest(Stream stream)
    {
        var header = new byte[5];
        if (!TryReadExactly(stream, header)) return null;
        var length = BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(1));
        if (length is < 0 or > MaxFrameBytes) throw new InvalidDataException($"request frame of {length} bytes");
        var payload = new byte[length];
        return TryReadExactly(stream, payload) ? (header[0], payload) : null;
    }

    public static byte[] EncodePreinitRequest(Preinit.PreinitRequest request, byte[] wasm)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(request);
        var payload = new byte[4 + json.Length + wasm.Length];
        BinaryPrimitives.WriteInt32LittleEndian(payload, json.Length);
        json.CopyTo(payload, 4);
        wasm.CopyTo(payload, 4 + json.Length);
        return payload;
    }

    public static (Preinit.PreinitRequest Request, byte[] Wasm) DecodePreinitRequest(byte[] payload)
    {
        var length = BinaryPrimitives.ReadInt32LittleEndian(payload);
        if (length < 0 || 4 + length > payload.Length) throw new InvalidDataException($"a pre-initialisation request of {length} bytes of JSON");
        var request = JsonSerializer.Deserialize<Preinit.PreinitRequest>(payload.AsSpan(4, length)) ?? throw new InvalidDataException("no pre-initialisation request");
        return (request, payload[(4 + length)..]);
    }

    /// <summary>Fuel (int64 LE), the initialiser's name behind its length (int32 LE), the module.</summary>
    public static byte[] EncodeSnapshot(Preinit.PreinitSnapshot snapshot)
    {
        var name = Encoding.UTF8.GetBytes(snapshot.Initializer);
        var payload = new byte[12 + name.Length + snapshot.Module.Length];
        BinaryPrimitives.WriteInt64LittleEndian(payload, snapshot.FuelConsumed);
        BinaryPrimitives.WriteInt32LittleEndian(payload.AsSpan(8), name.Length);
        name.CopyTo(payload, 12);
        snapshot.Module.CopyTo(payload, 12 + name.Length);
        return payload;
    }

    public static Preinit.PreinitSnapshot DecodeSnapshot(byte[] payload)
    {
        var fuel = BinaryPrimitives.ReadInt64LittleEndian(payload);
        var nameLength = BinaryPrimitives.ReadInt32LittleEndian(payload.AsSpan(8));
        if (nameLength < 0 || 12 + nameLength > payload.Length) throw new InvalidDataException("a malformed snapshot reply");
        return new Preinit.PreinitSnapshot(payload[(12 + nameLength)..], fuel, Encoding.UTF8.GetString(payload, 12, nameLength));
    }

    /// <summary>The outcome (one byte), then the UTF-8 message.</summary>
    public static byte[] EncodeFailure(Preinit.PreinitFailedException failure) =>
        [(byte)failure.Reason, .. Encoding.UTF8.GetBytes(failure.Message)];

    public static Preinit.PreinitFailedException DecodeFailure(byte[] payload) =>
        payload.Length == 0 || !Enum.IsDefined((Outcome)payload[0])
            ? new Preinit.PreinitFailedException(Outcome.InvalidModule, "the compiler answered a malformed pre-initialisation failure")
            : new Preinit.PreinitFailedException((Outcome)payload[0], Encoding.UTF8.GetString(payload, 1, payload.Length - 1));

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
