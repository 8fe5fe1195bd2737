using System.Buffers.Binary;
using System.Text;

namespace Platform.Runtime.Files;

/// <summary>
/// Follows the tar block structure of the bytes on their way to <see cref="System.Formats.Tar.TarReader"/>
/// and refuses a metadata entry (PAX <c>x</c>/<c>g</c>, GNU long names <c>L</c>/<c>K</c>) larger than
/// <see cref="MaxMetadataBytes"/> as soon as its header block passes, because TarReader allocates a
/// buffer of the size such a header claims before it reads a byte of it (1 GiB for a 512-byte
/// archive, measured). PAX <c>size</c> records are refused too: they would move the next header
/// where this guard does not look, and only entries over 8 GiB need them.
/// </summary>
internal sealed class TarHeaderGuard
{
    public const int MaxMetadataBytes = 64 * 1024;

    private const int BlockBytes = 512;

    private readonly byte[] _header = new byte[BlockBytes];
    private int _headerFill;
    private long _dataLeft;
    private MemoryStream? _pax;
    private long _paxLeft;

    public void Inspect(ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty)
        {
            if (_dataLeft > 0)
            {
                var take = (int)Math.Min(_dataLeft, data.Length);
                if (_pax is not null && _paxLeft > 0)
                {
                    var kept = (int)Math.Min(_paxLeft, take);
                    _pax.Write(data[..kept]);
                    _paxLeft -= kept;
                }

                _dataLeft -= take;
                data = data[take..];
                if (_dataLeft == 0 && _pax is not null)
                {
                    CheckPax(_pax.ToArray());
                    _pax = null;
                }

                continue;
            }

            var headerTake = Math.Min(BlockBytes - _headerFill, data.Length);
            data[..headerTake].CopyTo(_header.AsSpan(_headerFill));
            _headerFill += headerTake;
            data = data[headerTake..];
            if (_headerFill == BlockBytes)
            {
                _headerFill = 0;
                OnHeader();
            }
        }
    }

    private void OnHeader()
    {
        if (_header.AsSpan().IndexOfAnyExcept((byte)0) < 0)
            return;
        var type = (char)_header[156];
        var size = ParseSize(_header.AsSpan(124, 12));
        if (type is 'x' or 'g' or 'L' or 'K')
        {
            if (size > MaxMetadataBytes)
                throw new AssetArchiveException(AssetRefusal.Invalid, $"a '{type}' metadata entry claims {size} bytes; at most {MaxMetadataBytes} are accepted");
            if (type is 'x' or 'g')
            {
                _pax = new MemoryStream((int)size);
                _paxLeft = size;
            }
        }

        _dataLeft = (size + BlockBytes - 1) / BlockBytes * BlockBytes;
        if (_dataLeft == 0 && _pax is not null)
        {
            CheckPax([]);
            _pax = null;
        }
    }

    /// <summary>Octal digits (NUL or space terminated), or GNU base-256 when the first byte's high bit is set.</summary>
    private static long ParseSize(ReadOnlySpan<byte> field)
    {
        if ((field[0] & 0x80) != 0)
        {
            if ((field[0] & 0x40) != 0 || field[1..4].IndexOfAnyExcept((byte)0) >= 0)
                throw new AssetArchiveException(AssetRefusal.Invalid, "the archive is not a valid tar file: an entry's size is negative or beyond 2^63");
            return BinaryPrimitives.ReadInt64BigEndian(field[4..]) is var value and >= 0
                ? value
                : throw new AssetArchiveException(AssetRefusal.Invalid, "the archive is not a valid tar file: an entry's size is beyond 2^63");
        }

        long size = 0;
        var digits = field.TrimStart((byte)' ');
        foreach (var b in digits)
        {
            if (b is 0 or (byte)' ')
                break;
            if (b is < (byte)'0' or > (byte)'7' || size > long.MaxValue >> 3)
                throw new AssetArchiveException(AssetRefusal.Invalid, "the archive is not a valid tar file: an entry's size field is not an octal number");
            size = (size << 3) + (b - '0');
        }

        return size;
    }

    private static void CheckPax(byte[] records)
    {
        foreach (var line in Encoding.UTF8.GetString(records).Split('\n'))
        {
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (space >= 0 && equals > space && line.AsSpan(space + 1, equals - space - 1) is "size")
                throw new AssetArchiveException(AssetRefusal.Invalid, "a PAX 'size' record is not accepted (entries that large are over every limit)");
        }
    }
}
