using System.Buffers;
using System.Diagnostics;

namespace Platform.Runtime.Wasi;

/// <summary>The per-invocation state behind the WASI calls: in-memory stdio, args, env, exit.</summary>
internal sealed class WasiContext
{
    private readonly ReadOnlyMemory<byte> _input;
    private readonly int _maxOutputBytes;
    private readonly int _maxLogBytes;
    private readonly ArrayBufferWriter<byte> _output;
    private readonly ArrayBufferWriter<byte> _logs = new(256);
    private int _inputPosition;

    public WasiContext(InvocationRequest request)
    {
        _input = request.Input;
        _maxOutputBytes = request.Limits.MaxOutputBytes;
        _maxLogBytes = request.Limits.MaxLogBytes;
        _output = new ArrayBufferWriter<byte>(256);
        Args = EncodeAll(request.Args);
        Env = EncodeAll(request.Env.Select(pair => $"{pair.Key}={pair.Value}"));
        StartTimestamp = Stopwatch.GetTimestamp();
    }

    /// <summary>NUL-terminated UTF-8 strings, ready to copy into guest memory.</summary>
    public byte[][] Args { get; }

    public byte[][] Env { get; }

    public long StartTimestamp { get; }

    public int? ExitCode { get; private set; }

    public bool OutputLimitExceeded { get; private set; }

    public bool LogsTruncated { get; private set; }

    public ReadOnlyMemory<byte> Output => _output.WrittenMemory;

    public ReadOnlyMemory<byte> Logs => _logs.WrittenMemory;

    public int ReadInput(Span<byte> destination)
    {
        var remaining = _input.Span[_inputPosition..];
        var count = Math.Min(remaining.Length, destination.Length);
        remaining[..count].CopyTo(destination);
        _inputPosition += count;
        return count;
    }

    /// <summary>Appends to stdout; past the cap, records the breach and stops the guest.</summary>
    public void WriteOutput(ReadOnlySpan<byte> data)
    {
        if (_output.WrittenCount + data.Length > _maxOutputBytes)
        {
            OutputLimitExceeded = true;
            throw new GuestTerminationException($"output exceeded {_maxOutputBytes} bytes");
        }

        _output.Write(data);
    }

    /// <summary>Appends to stderr up to the cap; the rest is dropped, the guest goes on.</summary>
    public void WriteLog(ReadOnlySpan<byte> data)
    {
        var room = _maxLogBytes - _logs.WrittenCount;
        if (data.Length > room)
        {
            LogsTruncated = true;
            data = data[..Math.Max(room, 0)];
        }

        _logs.Write(data);
    }

    public void Exit(int code)
    {
        ExitCode = code;
        throw new GuestTerminationException($"proc_exit({code})");
    }

    private static byte[][] EncodeAll(IEnumerable<string> values) =>
        values.Select(value =>
        {
            var bytes = new byte[System.Text.Encoding.UTF8.GetByteCount(value) + 1];
            System.Text.Encoding.UTF8.GetBytes(value, bytes);
            return bytes;
        }).ToArray();
}
