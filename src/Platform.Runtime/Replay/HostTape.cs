using System.Buffers;
using System.Security.Cryptography;
using Platform.Runtime.Wasi;

namespace Platform.Runtime.Replay;

/// <summary>
/// The source of an invocation's clock readings and random bytes: the real ones (optionally
/// recorded, within <see cref="HostRecording.MaxClockReadings"/> and
/// <see cref="HostRecording.MaxRandomBytes"/>), or a recording's, served again in order. A replay
/// that asks for more than was recorded has diverged: the guest is stopped there.
/// </summary>
internal sealed class HostTape
{
    private readonly HostRecording? _replay;
    private readonly Action<HostCall>? _trace;
    private readonly List<long>? _clocks;
    private readonly ArrayBufferWriter<byte>? _random;
    private int _clockIndex;
    private int _randomOffset;

    private HostTape(bool record, HostRecording? replay, Action<HostCall>? trace)
    {
        _replay = replay;
        _trace = trace;
        if (record && replay is null)
        {
            _clocks = [];
            _random = new ArrayBufferWriter<byte>(64);
        }
    }

    public static HostTape For(InvocationRequest request) => new(request.Record, request.Replay, request.Trace);

    /// <summary>The recording kept, or null: not recording, or the guest used more than a recording may hold.</summary>
    public HostRecording? Recording => _clocks is null || Overflowed ? null : new HostRecording(_clocks, _random!.WrittenMemory.ToArray());

    public bool Overflowed { get; private set; }

    /// <summary>Why a replay stopped the guest (it asked for more than production was served), or null.</summary>
    public string? Divergence { get; private set; }

    /// <summary>Called by every host call that the trace shows; null when nobody traces (production), so nothing is formatted.</summary>
    public Action<HostCall>? Trace => _trace;

    public long Clock(int id, WasiContext context)
    {
        long value;
        if (_replay is not null)
        {
            if (_clockIndex >= _replay.Clocks.Count)
                Diverge($"the guest read the clock more often than the {_replay.Clocks.Count} times recorded");
            value = _replay.Clocks[_clockIndex++];
        }
        else
        {
            value = WasiClock.Now(id, context);
            if (_clocks is not null && !Overflowed)
            {
                if (_clocks.Count >= HostRecording.MaxClockReadings) Overflowed = true;
                else _clocks.Add(value);
            }
        }

        _trace?.Invoke(new HostCall("clock_time_get", $"clock {id} -> {value}"));
        return value;
    }

    public void Random(Span<byte> destination)
    {
        if (_replay is not null)
        {
            if (_randomOffset + destination.Length > _replay.Random.Length)
                Diverge($"the guest drew more random bytes than the {_replay.Random.Length} recorded");
            _replay.Random.Span.Slice(_randomOffset, destination.Length).CopyTo(destination);
            _randomOffset += destination.Length;
        }
        else
        {
            RandomNumberGenerator.Fill(destination);
            if (_random is not null && !Overflowed)
            {
                if (_random.WrittenCount + destination.Length > HostRecording.MaxRandomBytes) Overflowed = true;
                else _random.Write(destination);
            }
        }

        _trace?.Invoke(new HostCall("random_get", $"{destination.Length} bytes {Convert.ToHexStringLower(destination[..Math.Min(destination.Length, 32)])}{(destination.Length > 32 ? "..." : "")}"));
    }

    private void Diverge(string reason)
    {
        Divergence = reason;
        throw new GuestTerminationException("replay diverged: " + reason);
    }
}
