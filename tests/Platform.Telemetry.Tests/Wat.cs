using System.Globalization;
using Platform.Testing;

namespace Platform.Telemetry.Tests;

/// <summary>Guest functions in WAT, one per outcome. <see cref="Salted"/> makes a module of its own (a fresh SHA-256).</summary>
internal static class Wat
{
    /// <summary>Writes "hello" to stdout and "a log line\n" to stderr.</summary>
    public const string Hello = GuestWat.HelloAndLogLine;

    /// <summary>Loops forever: OUT_OF_FUEL or TIMEOUT, whichever limit comes first.</summary>
    public const string Spin = GuestWat.Spin;

    /// <summary>Grows memory one page at a time until refused, then traps: MEMORY_LIMIT.</summary>
    public const string MemoryBomb = GuestWat.MemoryBomb;

    /// <summary>TRAP.</summary>
    public const string Unreachable = GuestWat.Unreachable;

    /// <summary>proc_exit(3): EXIT_NONZERO.</summary>
    public static readonly string Exit3 = GuestWat.Exit(3);

    /// <summary>Writes 4 KiB to stdout forever: OUTPUT_LIMIT.</summary>
    public const string Flood = GuestWat.Flood;

    /// <summary>A module of its own: <paramref name="wat"/> plus an unused global with a random value.</summary>
    public static string Salted(string wat)
    {
        var end = wat.LastIndexOf(')');
        var salt = Random.Shared.Next().ToString(CultureInfo.InvariantCulture);
        return wat[..end] + $"\n  (global $salt i32 (i32.const {salt})))";
    }

    /// <summary>A module larger than <paramref name="bytes"/> (a data segment of that size).</summary>
    public static string Padded(string wat, int bytes)
    {
        var end = wat.LastIndexOf(')');
        return wat[..end] + $"\n  (data (i32.const 8192) \"{new string('x', bytes)}\"))";
    }
}
