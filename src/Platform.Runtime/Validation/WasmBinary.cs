namespace Platform.Runtime.Validation;

/// <summary>Just enough of the binary format to refuse oversized modules before compiling them.</summary>
internal static class WasmBinary
{
    private const byte FunctionSectionId = 3;

    public static bool HasMagic(ReadOnlySpan<byte> bytes) =>
        bytes.Length >= 4 && bytes[0] == 0 && bytes[1] == (byte)'a' && bytes[2] == (byte)'s' && bytes[3] == (byte)'m';

    /// <summary>Core modules have version 1; components carry a layer field (bytes 6-7) of 1.</summary>
    public static bool IsComponent(ReadOnlySpan<byte> bytes) => bytes.Length >= 8 && bytes[6] == 1 && bytes[7] == 0;

    /// <summary>Walks the section headers and reads the function section's count.</summary>
    public static bool TryCountDefinedFunctions(ReadOnlySpan<byte> bytes, out long count, out string? error)
    {
        count = 0;
        error = null;
        if (bytes.Length < 8)
        {
            error = "truncated header";
            return false;
        }

        var position = 8;
        while (position < bytes.Length)
        {
            var id = bytes[position++];
            if (!TryReadLeb(bytes, ref position, out var size) || position + (long)size > bytes.Length)
            {
                error = $"section {id} at offset {position} runs past the end of the module";
                return false;
            }

            if (id == FunctionSectionId)
            {
                var payload = position;
                if (!TryReadLeb(bytes, ref payload, out var functions))
                {
                    error = "unreadable function section";
                    return false;
                }

                count = functions;
            }

            position += (int)size;
        }

        return true;
    }

    internal static bool TryReadLeb(ReadOnlySpan<byte> bytes, ref int position, out uint value)
    {
        value = 0;
        for (var shift = 0; shift < 35; shift += 7)
        {
            if (position >= bytes.Length) return false;
            var b = bytes[position++];
            value |= (uint)(b & 0x7f) << shift;
            if ((b & 0x80) == 0) return true;
        }

        return false;
    }
}
