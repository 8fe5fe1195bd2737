using System.Diagnostics;

namespace Platform.Runtime.Wasi;

/// <summary>The four preview 1 clocks, read in nanoseconds and mapped onto Stopwatch timestamps for sleeping.</summary>
internal static class WasiClock
{
    public const int Realtime = 0;
    public const int Monotonic = 1;
    public const int ProcessCputime = 2;
    public const int ThreadCputime = 3;

    /// <summary>Timer resolution reported by clock_res_get: 1 µs.</summary>
    public const long ResolutionNanoseconds = 1_000;

    public static bool IsKnown(int id) => id is >= Realtime and <= ThreadCputime;

    /// <summary>
    /// The clock's value now. The CPU-time clocks report the time since the invocation began: a
    /// guest is one thread, and its host's CPU accounting is not the guest's business.
    /// </summary>
    public static long Now(int id, WasiContext context) => id switch
    {
        Realtime => (context.Time.GetUtcNow() - DateTimeOffset.UnixEpoch).Ticks * 100,
        Monotonic => ToNanoseconds(Stopwatch.GetTimestamp()),
        _ => ToNanoseconds(Stopwatch.GetTimestamp() - context.StartTimestamp),
    };

    /// <summary>
    /// The Stopwatch timestamp at which a clock subscription is due: <paramref name="timeout"/>
    /// (an unsigned nanosecond count) from now, or, when <paramref name="absolute"/>, the moment
    /// the clock reads <paramref name="timeout"/>. Saturates instead of overflowing.
    /// </summary>
    public static long DueTimestamp(int id, ulong timeout, bool absolute, WasiContext context)
    {
        var now = Stopwatch.GetTimestamp();
        Int128 wait = absolute ? (Int128)timeout - Now(id, context) : timeout;
        if (wait <= 0) return now;
        var due = now + (wait * Stopwatch.Frequency / 1_000_000_000);
        return due > long.MaxValue ? long.MaxValue : (long)due;
    }

    private static long ToNanoseconds(long timestamp) => (long)((Int128)timestamp * 1_000_000_000 / Stopwatch.Frequency);
}
