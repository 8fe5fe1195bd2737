using System.Buffers;
using System.Diagnostics;
using Platform.Runtime.Files;
using Platform.Runtime.Replay;
using Wasmtime;

namespace Platform.Runtime.Wasi;

/// <summary>
/// The per-invocation state behind the WASI calls: in-memory stdio, args, env, exit, and the
/// deadline and fuel that bound the host's own work (the epoch and Wasm's fuel metering only see
/// the guest's instructions, not the time and bytes a host call spends for it).
/// </summary>
internal sealed class WasiContext : IDisposable
{
    private readonly InvocationRequest _request;
    private readonly ReadOnlyMemory<byte> _input;
    private readonly int _maxOutputBytes;
    private readonly int _maxLogBytes;
    private readonly ArrayBufferWriter<byte> _output;
    private readonly ArrayBufferWriter<byte> _logs = new(256);
    private int _inputPosition;
    private byte[][]? _args;
    private byte[][]? _env;

    public WasiContext(InvocationRequest request, TimeProvider time)
    {
        Time = time;
        _request = request;
        _input = request.Input;
        _maxOutputBytes = request.Limits.MaxOutputBytes;
        _maxLogBytes = request.Limits.MaxLogBytes;
        _output = new ArrayBufferWriter<byte>(256);
        StartTimestamp = Stopwatch.GetTimestamp();
        Deadline = StartTimestamp + (request.Limits.TimeoutMs * Stopwatch.Frequency / 1000);
        Tape = HostTape.For(request);
        Files = Preopens.For(request);
    }

    /// <summary>The invocation's open directories and files from fd 3 up.</summary>
    public FdTable Files { get; }

    /// <summary>Where clock readings and random bytes come from (and are recorded to, or replayed from).</summary>
    public HostTape Tape { get; }

    /// <summary>
    /// NUL-terminated UTF-8 strings, ready to copy into guest memory; encoded when the guest
    /// first asks (many guests never read their args or environment).
    /// </summary>
    public byte[][] Args => _args ??= EncodeAll(_request.Args);

    public byte[][] Env => _env ??= EncodeEnv(_request.Env);

    /// <summary>The guest's exported memory once a host call has looked it up (<see cref="GuestMemory.TryGet"/>).</summary>
    public Memory? MemoryExport { get; set; }

    public long StartTimestamp { get; }

    /// <summary>The wall clock the guest's realtime clock reads.</summary>
    public TimeProvider Time { get; }

    /// <summary>The Stopwatch timestamp at which the invocation's wall-clock limit ends.</summary>
    public long Deadline { get; }

    public bool DeadlineExceeded { get; private set; }

    public bool FuelExhausted { get; private set; }

    public int InputRemaining => _input.Length - _inputPosition;

    public int OutputRoom => _maxOutputBytes - _output.WrittenCount;

    public int LogRoom => Math.Max(_maxLogBytes - _logs.WrittenCount, 0);

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
        Tape.Trace?.Invoke(new HostCall("fd_read", $"stdin {count} bytes"));
        return count;
    }

    /// <summary>Appends to stdout; past the cap, records the breach and stops the guest.</summary>
    public void WriteOutput(ReadOnlySpan<byte> data)
    {
        if (_output.WrittenCount + data.Length > _maxOutputBytes)
        {
            OutputLimitExceeded = true;
            Tape.Trace?.Invoke(new HostCall("fd_write", $"stdout {data.Length} bytes: past the output limit"));
            throw new GuestTerminationException($"output exceeded {_maxOutputBytes} bytes");
        }

        _output.Write(data);
        Tape.Trace?.Invoke(new HostCall("fd_write", $"stdout {data.Length} bytes"));
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
        Tape.Trace?.Invoke(new HostCall("fd_write", $"stderr {data.Length} bytes"));
    }

    /// <summary>What every host call does first: stop if the deadline has passed, then pay the call's fixed fuel.</summary>
    public void Enter(Caller caller)
    {
        CheckDeadline();
        Charge(caller, HostCallLimits.FuelPerCall);
    }

    /// <summary>Stops the guest as the epoch would once the deadline has passed; called inside every host loop.</summary>
    public void CheckDeadline()
    {
        if (Stopwatch.GetTimestamp() >= Deadline) StopAtDeadline();
    }

    /// <summary>Takes host work's fuel from the guest; when it has less, the invocation ends out of fuel.</summary>
    public void Charge(Caller caller, long fuel)
    {
        var available = caller.Fuel;
        if ((ulong)fuel > available)
        {
            caller.Fuel = 0;
            FuelExhausted = true;
            throw new GuestTerminationException("out of fuel in a host call");
        }

        caller.Fuel = available - (ulong)fuel;
    }

    /// <summary>
    /// Blocks until the Stopwatch timestamp <paramref name="due"/>, never past the deadline: when
    /// the deadline comes first the guest is stopped there, as the epoch would stop it.
    /// </summary>
    public void SleepUntil(long due)
    {
        while (true)
        {
            var now = Stopwatch.GetTimestamp();
            if (now >= due) return;
            if (now >= Deadline) StopAtDeadline();
            var until = Math.Min(due, Deadline);
            var milliseconds = Math.Ceiling((until - now) * 1000.0 / Stopwatch.Frequency);
            Thread.Sleep((int)Math.Clamp(milliseconds, 1, int.MaxValue));
        }
    }

    public void Exit(int code)
    {
        ExitCode = code;
        Tape.Trace?.Invoke(new HostCall("proc_exit", code.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        throw new GuestTerminationException($"proc_exit({code})");
    }

    /// <summary>Closes host file handles and drops scratch: nothing of the invocation's files outlives it.</summary>
    public void Dispose() => Files.Dispose();

    private void StopAtDeadline()
    {
        DeadlineExceeded = true;
        throw new GuestTerminationException("the deadline passed in a host call");
    }

    private static byte[][] EncodeAll(IReadOnlyList<string> values)
    {
        var encoded = new byte[values.Count][];
        for (var i = 0; i < encoded.Length; i++)
        {
            var value = values[i];
            encoded[i] = new byte[System.Text.Encoding.UTF8.GetByteCount(value) + 1];
            System.Text.Encoding.UTF8.GetBytes(value, encoded[i]);
        }

        return encoded;
    }

    /// <summary><c>KEY=value</c>, NUL-terminated.</summary>
    private static byte[][] EncodeEnv(IReadOnlyList<KeyValuePair<string, string>> pairs)
    {
        var utf8 = System.Text.Encoding.UTF8;
        var encoded = new byte[pairs.Count][];
        for (var i = 0; i < encoded.Length; i++)
        {
            var (key, value) = pairs[i];
            var keyBytes = utf8.GetByteCount(key);
            var bytes = encoded[i] = new byte[keyBytes + 1 + utf8.GetByteCount(value) + 1];
            utf8.GetBytes(key, bytes);
            bytes[keyBytes] = (byte)'=';
            utf8.GetBytes(value, bytes.AsSpan(keyBytes + 1));
        }

        return encoded;
    }
}
