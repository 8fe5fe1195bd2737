using System.Buffers.Binary;
using System.Text;

namespace Platform.Runtime.Tests;

/// <summary>Guests in WAT that probe one WASI call each; most end with <c>proc_exit(errno)</c>.</summary>
internal static class WasiWat
{
    private const string FdWrite = """(import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))""";
    private const string FdRead = """(import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))""";
    private const string ProcExit = """(import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))""";
    private const string RandomGet = """(import "wasi_snapshot_preview1" "random_get" (func $random_get (param i32 i32) (result i32)))""";
    private const string PollOneoff = """(import "wasi_snapshot_preview1" "poll_oneoff" (func $poll_oneoff (param i32 i32 i32 i32) (result i32)))""";
    private const string ClockTimeGet = """(import "wasi_snapshot_preview1" "clock_time_get" (func $clock_time_get (param i32 i64 i32) (result i32)))""";

    public const int PageBytes = 65536;

    /// <summary>Calls <paramref name="function"/> (of the given WAT signature) with <paramref name="arguments"/> and exits with the errno it returns.</summary>
    public static string CallAndExit(string function, string signature, string arguments) => $$"""
        (module
          (import "wasi_snapshot_preview1" "{{function}}" (func $f {{signature}}))
          {{ProcExit}}
          (memory (export "memory") 1)
          (func (export "_start") (call $proc_exit (call $f {{arguments}}))))
        """;

    /// <summary>One fd_write or fd_read of <paramref name="count"/> iovecs at address 0, all zero-length; exits with the errno.</summary>
    public static string IovecCall(string call, int fd, int count, int pages = 1) => $$"""
        (module
          {{FdWrite}}
          {{FdRead}}
          {{ProcExit}}
          (memory (export "memory") {{pages}})
          (func (export "_start") (call $proc_exit (call ${{call}} (i32.const {{fd}}) (i32.const 0) (i32.const {{count}}) (i32.const 0)))))
        """;

    /// <summary>
    /// Calls fd_write or fd_read forever with as many zero-length iovecs as its memory holds
    /// (<paramref name="pages"/> 64 KiB pages, all zeros): the host's work per call would grow with memory if it were not bounded.
    /// </summary>
    public static string IovecFlood(string call, int fd, int pages) => $$"""
        (module
          {{FdWrite}}
          {{FdRead}}
          (memory (export "memory") {{pages}})
          (func (export "_start")
            (loop $again
              (drop (call ${{call}} (i32.const {{fd}}) (i32.const 0) (i32.const {{(long)pages * PageBytes / 8}}) (i32.const 0)))
              (br $again))))
        """;

    /// <summary>One fd_write to stdout of <paramref name="iovecs"/> iovecs: the first of <paramref name="bytes"/> bytes at 64 KiB, the rest empty.</summary>
    public static string WriteOnce(int bytes, int iovecs = 1) => $$"""
        (module
          {{FdWrite}}
          {{ProcExit}}
          (memory (export "memory") 64)
          (func (export "_start")
            (i32.store (i32.const 0) (i32.const 65536))
            (i32.store (i32.const 4) (i32.const {{bytes}}))
            (call $proc_exit (call $fd_write (i32.const 1) (i32.const 0) (i32.const {{iovecs}}) (i32.const 32768)))))
        """;

    /// <summary>One fd_read of stdin into a <paramref name="bytes"/>-byte buffer, then writes what it got to stdout.</summary>
    public static string ReadOnceAndEcho(int bytes) => $$"""
        (module
          {{FdWrite}}
          {{FdRead}}
          {{ProcExit}}
          (memory (export "memory") 64)
          (func (export "_start") (local $errno i32)
            (i32.store (i32.const 0) (i32.const 65536))
            (i32.store (i32.const 4) (i32.const {{bytes}}))
            (local.set $errno (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)))
            (if (local.get $errno) (then (call $proc_exit (local.get $errno))))
            (i32.store (i32.const 4) (i32.load (i32.const 8)))
            (call $proc_exit (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))
        """;

    /// <summary>random_get of <paramref name="bytes"/> bytes, <paramref name="calls"/> times over consecutive buffers from address 0; exits with the last errno.</summary>
    public static string Random(int bytes, int calls = 1, int pages = 64) => $$"""
        (module
          {{RandomGet}}
          {{ProcExit}}
          (memory (export "memory") {{pages}})
          (func (export "_start") (local $i i32) (local $errno i32)
            (loop $next
              (local.set $errno (call $random_get (i32.mul (local.get $i) (i32.const {{bytes}})) (i32.const {{bytes}})))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br_if $next (i32.lt_u (local.get $i) (i32.const {{calls}}))))
            (call $proc_exit (local.get $errno))))
        """;

    /// <summary>
    /// Polls the given subscriptions (laid out at 1024); an errno exits with it, success writes
    /// the event count (4 bytes) and the events (32 bytes each) to stdout. Each entry of
    /// <paramref name="absoluteFromNow"/> (subscription index, clock id, nanoseconds) sets that
    /// clock subscription's timeout to the clock's reading plus the nanoseconds, just before polling.
    /// </summary>
    public static string Poll(byte[] subscriptions, int count, params (int Index, int ClockId, long Nanoseconds)[] absoluteFromNow)
    {
        var prelude = string.Concat(absoluteFromNow.Select(a => $$"""
            (drop (call $clock_time_get (i32.const {{a.ClockId}}) (i64.const 0) (i32.const 16)))
            (i64.store (i32.const {{1024 + (48 * a.Index) + 24}}) (i64.add (i64.load (i32.const 16)) (i64.const {{a.Nanoseconds}})))
            """));
        return $$"""
            (module
              {{PollOneoff}}
              {{ClockTimeGet}}
              {{FdWrite}}
              {{ProcExit}}
              (memory (export "memory") 1)
              (data (i32.const 1024) "{{Escape(subscriptions)}}")
              (func (export "_start") (local $errno i32)
                {{prelude}}
                (local.set $errno (call $poll_oneoff (i32.const 1024) (i32.const 8192) (i32.const {{count}}) (i32.const 8188)))
                (if (local.get $errno) (then (call $proc_exit (local.get $errno))))
                (i32.store (i32.const 0) (i32.const 8188))
                (i32.store (i32.const 4) (i32.add (i32.const 4) (i32.mul (i32.load (i32.const 8188)) (i32.const 32))))
                (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))
            """;
    }

    public static byte[] ClockSubscription(ulong userdata, int clockId, ulong timeout, bool absolute = false)
    {
        var subscription = new byte[48];
        BinaryPrimitives.WriteUInt64LittleEndian(subscription, userdata);
        subscription[8] = 0;
        BinaryPrimitives.WriteInt32LittleEndian(subscription.AsSpan(16), clockId);
        BinaryPrimitives.WriteUInt64LittleEndian(subscription.AsSpan(24), timeout);
        BinaryPrimitives.WriteUInt16LittleEndian(subscription.AsSpan(40), absolute ? (ushort)1 : (ushort)0);
        return subscription;
    }

    /// <param name="type">1 for fd_read, 2 for fd_write.</param>
    public static byte[] FdSubscription(ulong userdata, byte type, int fd)
    {
        var subscription = new byte[48];
        BinaryPrimitives.WriteUInt64LittleEndian(subscription, userdata);
        subscription[8] = type;
        BinaryPrimitives.WriteInt32LittleEndian(subscription.AsSpan(16), fd);
        return subscription;
    }

    public readonly record struct PollEvent(ulong Userdata, int Error, byte Type, long Bytes, ushort Flags);

    /// <summary>Parses what <see cref="Poll"/> writes to stdout.</summary>
    public static PollEvent[] ParseEvents(ReadOnlySpan<byte> output)
    {
        var count = BinaryPrimitives.ReadInt32LittleEndian(output);
        Assert.Equal(4 + (32 * count), output.Length);
        var events = new PollEvent[count];
        for (var i = 0; i < count; i++)
        {
            var slot = output.Slice(4 + (32 * i), 32);
            events[i] = new PollEvent(
                BinaryPrimitives.ReadUInt64LittleEndian(slot),
                BinaryPrimitives.ReadUInt16LittleEndian(slot[8..]),
                slot[10],
                BinaryPrimitives.ReadInt64LittleEndian(slot[16..]),
                BinaryPrimitives.ReadUInt16LittleEndian(slot[24..]));
        }

        return events;
    }

    private static string Escape(byte[] bytes)
    {
        var text = new StringBuilder(bytes.Length * 3);
        foreach (var b in bytes) text.Append('\\').Append(b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
        return text.ToString();
    }
}
