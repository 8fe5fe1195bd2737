namespace Platform.Runtime.Files;

/// <summary>
/// Counts the decompressed bytes of an archive and stops past a budget: headers, padding and
/// skipped data are not file content, so the per-file size check alone would let an archive of
/// endless padding or skipped entry data decompress without end. Every byte also passes the
/// <see cref="TarHeaderGuard"/> before the tar reader sees it.
/// </summary>
internal sealed class BoundedReadStream(Stream inner, long budget) : Stream
{
    private readonly TarHeaderGuard _guard = new();
    private long _read;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => _read; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var read = Count(inner.Read(buffer));
        _guard.Inspect(buffer[..read]);
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = Count(await inner.ReadAsync(buffer, cancellationToken));
        _guard.Inspect(buffer.Span[..read]);
        return read;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private int Count(int read)
    {
        _read += read;
        if (_read > budget)
            throw new AssetArchiveException(AssetRefusal.TooManyBytes, $"the archive decompresses to more than {budget} bytes (file contents within the limit plus headers)");
        return read;
    }
}
