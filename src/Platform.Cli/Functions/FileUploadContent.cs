using System.Buffers;
using System.Net;

namespace Platform.Cli.Functions;

/// <summary>A file streamed as a request body with a known length, reporting the bytes sent so far.</summary>
internal sealed class FileUploadContent : HttpContent
{
    private const int ChunkBytes = 64 * 1024;

    private readonly string _path;
    private readonly long _length;
    private readonly Action<long>? _progress;

    public FileUploadContent(FileInfo file, Action<long>? progress)
    {
        ArgumentNullException.ThrowIfNull(file);
        _path = file.FullName;
        _length = file.Length;
        _progress = progress;
    }

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        await using var source = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.Asynchronous | FileOptions.SequentialScan);
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        try
        {
            long sent = 0;
            int read;
            while ((read = await source.ReadAsync(buffer.AsMemory(0, ChunkBytes), cancellationToken)) > 0)
            {
                await stream.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                sent += read;
                _progress?.Invoke(sent);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override bool TryComputeLength(out long length)
    {
        length = _length;
        return true;
    }
}
