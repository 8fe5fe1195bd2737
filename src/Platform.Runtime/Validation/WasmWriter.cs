using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Platform.Runtime.Validation;

/// <summary>The encoding half of <see cref="WasmBinary"/>: LEB128 integers, names and sections.</summary>
internal sealed class WasmWriter
{
    private readonly ArrayBufferWriter<byte> _buffer = new(256);

    public int Length => _buffer.WrittenCount;

    public ReadOnlySpan<byte> Written => _buffer.WrittenSpan;

    public byte[] ToArray() => _buffer.WrittenSpan.ToArray();

    public void Byte(byte value)
    {
        _buffer.GetSpan(1)[0] = value;
        _buffer.Advance(1);
    }

    public void Bytes(ReadOnlySpan<byte> bytes) => _buffer.Write(bytes);

    public void Unsigned(ulong value)
    {
        do
        {
            var b = (byte)(value & 0x7f);
            value >>= 7;
            Byte(value == 0 ? b : (byte)(b | 0x80));
        }
        while (value != 0);
    }

    public void Signed(long value)
    {
        while (true)
        {
            var b = (byte)(value & 0x7f);
            value >>= 7;
            var done = (value == 0 && (b & 0x40) == 0) || (value == -1 && (b & 0x40) != 0);
            Byte(done ? b : (byte)(b | 0x80));
            if (done) return;
        }
    }

    public void Name(string name)
    {
        var bytes = Encoding.UTF8.GetBytes(name);
        Unsigned((ulong)bytes.Length);
        Bytes(bytes);
    }

    public void Float32(float value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteSingleLittleEndian(bytes, value);
        Bytes(bytes);
    }

    public void Float64(double value)
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteDoubleLittleEndian(bytes, value);
        Bytes(bytes);
    }

    /// <summary>A section: its id, its payload's length, its payload.</summary>
    public void Section(byte id, ReadOnlySpan<byte> payload)
    {
        Byte(id);
        Unsigned((ulong)payload.Length);
        Bytes(payload);
    }
}
