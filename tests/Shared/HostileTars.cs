using System.Formats.Tar;
using System.IO.Compression;

namespace Platform.Testing.Assets;

/// <summary>Asset archives for tests, hostile ones included, built with System.Formats.Tar.</summary>
internal static class HostileTars
{
    public static byte[] Tar(Action<TarWriter> write, TarEntryFormat format = TarEntryFormat.Pax)
    {
        using var output = new MemoryStream();
        using (var writer = new TarWriter(output, format, leaveOpen: true))
            write(writer);
        return output.ToArray();
    }

    public static byte[] Gzip(byte[] content)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
            gzip.Write(content);
        return output.ToArray();
    }

    public static void File(this TarWriter writer, string name, string content) => writer.File(name, System.Text.Encoding.UTF8.GetBytes(content));

    public static void File(this TarWriter writer, string name, byte[] content) =>
        writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(content) });

    public static void Entry(this TarWriter writer, TarEntryType type, string name, string? linkName = null)
    {
        var entry = new PaxTarEntry(type, name);
        if (linkName is not null)
            entry.LinkName = linkName;
        writer.WriteEntry(entry);
    }

    public static byte[] Files(int count) => Tar(w =>
    {
        for (var i = 0; i < count; i++)
            w.File($"d{i / 1000}/f{i}.txt", $"{i}");
    });

    /// <summary>
    /// A gzip-compressed tar holding one file of <paramref name="zeros"/> zero bytes: about a
    /// thousandth of its size compressed. Written through the compressor, never held whole.
    /// </summary>
    public static byte[] GzipBomb(long zeros)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true))
        using (var writer = new TarWriter(gzip, TarEntryFormat.Pax, leaveOpen: true))
            writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "zeros.bin") { DataStream = new ZeroStream(zeros) });
        return output.ToArray();
    }

    private sealed class ZeroStream(long length) : Stream
    {
        private long _position;

        public override bool CanRead => true;

        public override bool CanSeek => true;

        public override bool CanWrite => false;

        public override long Length => length;

        public override long Position { get => _position; set => _position = value; }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = (int)Math.Min(count, length - _position);
            Array.Clear(buffer, offset, n);
            _position += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => _position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            _ => length + offset,
        };

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
