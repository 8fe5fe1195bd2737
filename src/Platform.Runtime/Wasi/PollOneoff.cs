using System.Buffers.Binary;
using System.Diagnostics;
using Wasmtime;

namespace Platform.Runtime.Wasi;

/// <summary>
/// <c>poll_oneoff</c> over the only things a function can wait for: clocks and its in-memory
/// stdio. Stdio never blocks, so a subscription on it is ready at once; with none ready the call
/// sleeps until the earliest clock is due, but never past the invocation's deadline.
/// </summary>
internal static class PollOneoff
{
    private const int SubscriptionSize = 48;
    private const int EventSize = 32;
    private const byte EventtypeClock = 0;
    private const byte EventtypeFdRead = 1;
    private const byte EventtypeFdWrite = 2;
    private const ushort SubclockflagsAbstime = 1;
    private const ushort EventrwflagsHangup = 1;

    private readonly record struct Event(ulong Userdata, int Error, byte Type, long Bytes = 0, ushort Flags = 0);

    public static int Poll(Caller caller, WasiContext context, int subscriptions, int events, int count, int countPtr)
    {
        if (count == 0 || (uint)count > HostCallLimits.MaxSubscriptions) return Errno.Inval;
        if (!GuestMemory.TryGet(caller, context, out var memory)
            || !memory.Contains(subscriptions, (long)SubscriptionSize * count)
            || !memory.Contains(events, (long)EventSize * count)
            || !memory.Contains(countPtr, 4)) return Errno.Fault;
        context.Charge(caller, count * HostCallLimits.FuelPerItem);

        // A copy: the guest may pass overlapping subscription and event buffers.
        var input = memory.Span(subscriptions, SubscriptionSize * count).ToArray();
        var ready = new List<Event>();
        var clocks = new List<(ulong Userdata, long Due)>();
        for (var i = 0; i < count; i++)
        {
            context.CheckDeadline();
            var subscription = input.AsSpan(i * SubscriptionSize, SubscriptionSize);
            var userdata = BinaryPrimitives.ReadUInt64LittleEndian(subscription);
            var body = subscription[16..];
            switch (subscription[8])
            {
                case EventtypeClock:
                    var id = BinaryPrimitives.ReadInt32LittleEndian(body);
                    if (!WasiClock.IsKnown(id))
                    {
                        ready.Add(new Event(userdata, Errno.Inval, EventtypeClock));
                        break;
                    }

                    var timeout = BinaryPrimitives.ReadUInt64LittleEndian(body[8..]);
                    var absolute = (BinaryPrimitives.ReadUInt16LittleEndian(body[24..]) & SubclockflagsAbstime) != 0;
                    clocks.Add((userdata, WasiClock.DueTimestamp(id, timeout, absolute, context)));
                    break;
                case EventtypeFdRead or EventtypeFdWrite:
                    ready.Add(FdEvent(context, userdata, subscription[8], BinaryPrimitives.ReadInt32LittleEndian(body)));
                    break;
                default:
                    return Errno.Inval;
            }
        }

        if (ready.Count == 0) context.SleepUntil(clocks.Min(clock => clock.Due));
        var now = Stopwatch.GetTimestamp();
        ready.AddRange(clocks.Where(clock => clock.Due <= now).Select(clock => new Event(clock.Userdata, Errno.Success, EventtypeClock)));

        var output = memory.Span(events, EventSize * ready.Count);
        output.Clear();
        for (var i = 0; i < ready.Count; i++)
        {
            var slot = output.Slice(i * EventSize, EventSize);
            var ev = ready[i];
            BinaryPrimitives.WriteUInt64LittleEndian(slot, ev.Userdata);
            BinaryPrimitives.WriteUInt16LittleEndian(slot[8..], (ushort)ev.Error);
            slot[10] = ev.Type;
            BinaryPrimitives.WriteInt64LittleEndian(slot[16..], ev.Bytes);
            BinaryPrimitives.WriteUInt16LittleEndian(slot[24..], ev.Flags);
        }

        memory.WriteInt32(countPtr, ready.Count);
        return Errno.Success;
    }

    /// <summary>
    /// Stdin is readable (the bytes left; hangup at EOF), stdout and stderr writable (the room
    /// their caps leave), a regular file always ready (as poll reports one); anything else is EBADF.
    /// </summary>
    private static Event FdEvent(WasiContext context, ulong userdata, byte type, int fd)
    {
        var descriptor = context.Files.Get(fd);
        if (descriptor?.File is { } file)
        {
            return type == EventtypeFdRead
                ? new Event(userdata, Errno.Success, type, Math.Max(file.Size - descriptor.Position, 0))
                : new Event(userdata, Errno.Success, type);
        }

        return (type, descriptor?.Stream) switch
        {
            (EventtypeFdRead, 0) => new Event(userdata, Errno.Success, type, context.InputRemaining, context.InputRemaining == 0 ? EventrwflagsHangup : (ushort)0),
            (EventtypeFdWrite, 1) => new Event(userdata, Errno.Success, type, context.OutputRoom),
            (EventtypeFdWrite, 2) => new Event(userdata, Errno.Success, type, context.LogRoom),
            _ => new Event(userdata, Errno.Badf, type),
        };
    }
}
