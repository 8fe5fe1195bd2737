using System.Text;

namespace Platform.Runtime.Preinit;

/// <summary>A cursor over one section's payload; malformed input throws <see cref="InvalidDataException"/>.</summary>
internal sealed class WasmReader(ReadOnlyMemory<byte> bytes)
{
    public int Position { get; set; }

    public bool AtEnd => Position >= bytes.Length;

    public ReadOnlyMemory<byte> Slice(int start, int end) => bytes[start..end];

    public byte Byte()
    {
        if (Position >= bytes.Length) throw new InvalidDataException("unexpected end of a section");
        return bytes.Span[Position++];
    }

    public ReadOnlyMemory<byte> Bytes(long count)
    {
        if (count < 0 || Position + count > bytes.Length) throw new InvalidDataException("a length runs past the end of its section");
        var slice = bytes.Slice(Position, (int)count);
        Position += (int)count;
        return slice;
    }

    public uint Unsigned()
    {
        ulong value = 0;
        for (var shift = 0; shift < 35; shift += 7)
        {
            var b = Byte();
            value |= (ulong)(b & 0x7f) << shift;
            if ((b & 0x80) == 0)
                return value <= uint.MaxValue ? (uint)value : throw new InvalidDataException("an unsigned LEB128 over 32 bits");
        }

        throw new InvalidDataException("an unsigned LEB128 longer than 5 bytes");
    }

    /// <summary>Skips a signed LEB128 of up to <paramref name="maxBytes"/> bytes.</summary>
    public void SkipSigned(int maxBytes)
    {
        for (var i = 0; i < maxBytes; i++)
        {
            if ((Byte() & 0x80) == 0) return;
        }

        throw new InvalidDataException("a signed LEB128 that is too long");
    }

    public string Name() => Encoding.UTF8.GetString(Bytes(Unsigned()).Span);

    /// <summary>Skips the limits of a table or memory; gives the minimum, the maximum and the flags byte.</summary>
    public (uint Minimum, uint? Maximum, byte Flags) Limits()
    {
        var flags = Byte();
        if (flags > 1) throw new PreinitUnsupportedException($"memories or tables with limits flags 0x{flags:x2} (shared or 64-bit)");
        var minimum = Unsigned();
        uint? maximum = flags == 1 ? Unsigned() : null;
        return (minimum, maximum, flags);
    }

    /// <summary>Skips a constant expression up to and including its <c>end</c>.</summary>
    public void SkipConstantExpression()
    {
        while (true)
        {
            var opcode = Byte();
            switch (opcode)
            {
                case 0x0B: return;
                case 0x41: SkipSigned(5); break; // i32.const
                case 0x42: SkipSigned(10); break; // i64.const
                case 0x43: Bytes(4); break; // f32.const
                case 0x44: Bytes(8); break; // f64.const
                case 0x23: Unsigned(); break; // global.get
                case 0xD0: Byte(); break; // ref.null
                case 0xD2: Unsigned(); break; // ref.func
                case 0x6A or 0x6B or 0x6C or 0x7C or 0x7D or 0x7E: break; // extended constants
                case 0xFD when Unsigned() == 12: Bytes(16); break; // v128.const
                default: throw new PreinitUnsupportedException($"an instruction (0x{opcode:x2}) in a constant expression");
            }
        }
    }
}

/// <summary>The module uses something the snapshot cannot carry; the message says what.</summary>
public sealed class PreinitUnsupportedException(string message) : Exception(message);
