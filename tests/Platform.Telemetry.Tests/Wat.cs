using System.Globalization;
using Platform.Testing;

namespace Platform.Telemetry.Tests;

/// <summary>Guest functions in WAT, one per outcome. <see cref="Salted"/> makes a module of its own (a fresh SHA-256).</summary>
internal static class Wat
{
    private const string FdWrite = """(import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))""";
    private const string ProcExit = """(import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))""";

    /// <summary>Writes "hello" to stdout and "a log line\n" to stderr.</summary>
    public const string Hello = $$"""
        (module
          {{FdWrite}}
          (memory (export "memory") 1)
          (data (i32.const 16) "hello")
          (data (i32.const 32) "a log line\n")
          (func (export "_start")
            (i32.store (i32.const 0) (i32.const 16))
            (i32.store (i32.const 4) (i32.const 5))
            (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
            (i32.store (i32.const 0) (i32.const 32))
            (i32.store (i32.const 4) (i32.const 11))
            (drop (call $fd_write (i32.const 2) (i32.const 0) (i32.const 1) (i32.const 8)))))
        """;

    /// <summary>Loops forever: OUT_OF_FUEL or TIMEOUT, whichever limit comes first.</summary>
    public const string Spin = GuestWat.Spin;

    /// <summary>Grows memory one page at a time until refused, then traps: MEMORY_LIMIT.</summary>
    public const string MemoryBomb = GuestWat.MemoryBomb;

    /// <summary>TRAP.</summary>
    public const string Unreachable = GuestWat.Unreachable;

    /// <summary>proc_exit(3): EXIT_NONZERO.</summary>
    public const string Exit3 = $$"""
        (module
          {{ProcExit}}
          (memory (export "memory") 1)
          (func (export "_start") (call $proc_exit (i32.const 3))))
        """;

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
