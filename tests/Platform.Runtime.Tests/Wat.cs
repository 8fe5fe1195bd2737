using Platform.Testing;

namespace Platform.Runtime.Tests;

/// <summary>Guest modules written in WAT for the tests.</summary>
internal static class Wat
{
    /// <summary>Writes "hello" to stdout.</summary>
    public const string Hello = GuestWat.Hello;

    /// <summary>Copies stdin to stdout through a 4 KiB buffer.</summary>
    public const string Echo = GuestWat.Echo;

    /// <summary>Loops forever.</summary>
    public const string Spin = GuestWat.Spin;

    /// <summary>Loops forever inside the start function, i.e. during instantiation.</summary>
    public const string SpinInStart = """
        (module
          (memory (export "memory") 1)
          (func $init (loop $forever (br $forever)))
          (start $init)
          (func (export "_start")))
        """;

    /// <summary>Grows memory one page at a time until refused, then traps.</summary>
    public const string MemoryBomb = GuestWat.MemoryBomb;

    /// <summary>Starts with 32 MiB of memory.</summary>
    public const string BigInitialMemory = """
        (module
          (memory (export "memory") 512)
          (func (export "_start")))
        """;

    /// <summary>Starts with 2 GiB of memory: more than any sandbox slot holds.</summary>
    public const string HugeInitialMemory = """
        (module
          (memory (export "memory") 32768)
          (func (export "_start")))
        """;

    public const string Recurse = """
        (module
          (memory (export "memory") 1)
          (func $down (param i32) (result i32)
            (i32.add (call $down (i32.add (local.get 0) (i32.const 1))) (i32.const 1)))
          (func (export "_start") (drop (call $down (i32.const 0)))))
        """;

    /// <summary>Writes 4 KiB to stdout forever.</summary>
    public const string Flood = GuestWat.Flood;

    /// <summary>Writes 4 KiB to stderr 100 times, then "done" to stdout.</summary>
    public const string LogFlood = $$"""
        (module
          {{GuestWat.FdWrite}}
          (memory (export "memory") 1)
          (data (i32.const 16) "done")
          (func (export "_start") (local $i i32)
            (i32.store (i32.const 0) (i32.const 1024))
            (i32.store (i32.const 4) (i32.const 4096))
            (loop $more
              (drop (call $fd_write (i32.const 2) (i32.const 0) (i32.const 1) (i32.const 8)))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br_if $more (i32.lt_u (local.get $i) (i32.const 100))))
            (i32.store (i32.const 0) (i32.const 16))
            (i32.store (i32.const 4) (i32.const 4))
            (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))
        """;

    public static string Exit(int code) => GuestWat.Exit(code);

    public const string Unreachable = GuestWat.Unreachable;

    public const string DivideByZero = """
        (module
          (memory (export "memory") 1)
          (func (export "_start") (drop (i32.div_u (i32.const 1) (i32.const 0)))))
        """;

    /// <summary>Writes a pointer past the end of memory as an iovec: the host must answer EFAULT, not crash.</summary>
    public const string BadPointer = $$"""
        (module
          {{GuestWat.FdWrite}}
          {{GuestWat.ProcExit}}
          (memory (export "memory") 1)
          (func (export "_start")
            (i32.store (i32.const 0) (i32.const 0x7ffffff0))
            (i32.store (i32.const 4) (i32.const 0x7fffffff))
            (call $proc_exit (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))
        """;

    /// <summary>Writes argv and environ (NUL-separated) to stdout.</summary>
    public const string ArgsAndEnv = GuestWat.ArgsAndEnv;

    public const string NoStart = GuestWat.NoStart;

    public const string ForeignImport = """
        (module
          (import "evil_host" "open_socket" (func (param i32) (result i32)))
          (memory (export "memory") 1)
          (func (export "_start")))
        """;

    public const string WrongWasiSignature = """
        (module
          (import "wasi_snapshot_preview1" "fd_write" (func (param i32) (result i32)))
          (memory (export "memory") 1)
          (func (export "_start")))
        """;

    public const string UnknownWasiFunction = """
        (module
          (import "wasi_snapshot_preview1" "open_everything" (func (param i32) (result i32)))
          (memory (export "memory") 1)
          (func (export "_start")))
        """;

    /// <summary>A module defining <paramref name="count"/> functions.</summary>
    public static string ManyFunctions(int count) =>
        "(module (memory (export \"memory\") 1) (func (export \"_start\")) "
        + string.Concat(Enumerable.Range(0, count).Select(i => $"(func $f{i} (result i32) (i32.const {i})) "))
        + ")";
}
