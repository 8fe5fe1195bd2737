namespace Platform.Testing;

/// <summary>
/// Guest modules in WAT shared by the test projects: the ordinary ones and the hostile ones
/// (loops, memory bombs, floods). Each project's own <c>Wat</c> class names them and adds its own.
/// </summary>
internal static class GuestWat
{
    public const string FdWrite = """(import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))""";
    public const string FdRead = """(import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))""";
    public const string ProcExit = """(import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))""";

    /// <summary>Writes "hello" to stdout.</summary>
    public const string Hello = $$"""
        (module
          {{FdWrite}}
          (memory (export "memory") 1)
          (data (i32.const 16) "hello")
          (func (export "_start")
            (i32.store (i32.const 0) (i32.const 16))
            (i32.store (i32.const 4) (i32.const 5))
            (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))
        """;

    /// <summary>Writes "hello" to stdout and "a log line\n" to stderr.</summary>
    public const string HelloAndLogLine = $$"""
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

    /// <summary>
    /// Writes <paramref name="text"/> (printable ASCII, no quote or backslash) to stdout: distinct
    /// bytes, so a distinct module and SHA-256, per text.
    /// </summary>
    public static string Writes(string text)
    {
        if (text.Any(c => c is < ' ' or > '~' or '"' or '\\'))
            throw new ArgumentException("printable ASCII without quotes or backslashes", nameof(text));
        var length = text.Length.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return $$"""
            (module
              {{FdWrite}}
              (memory (export "memory") 1)
              (data (i32.const 16) "{{text}}")
              (func (export "_start")
                (i32.store (i32.const 0) (i32.const 16))
                (i32.store (i32.const 4) (i32.const {{length}}))
                (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))
            """;
    }

    /// <summary>Copies stdin to stdout through a 4 KiB buffer.</summary>
    public const string Echo = $$"""
        (module
          {{FdWrite}}
          {{FdRead}}
          (memory (export "memory") 1)
          (func (export "_start")
            (loop $next
              (i32.store (i32.const 0) (i32.const 1024))
              (i32.store (i32.const 4) (i32.const 4096))
              (drop (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)))
              (if (i32.gt_u (i32.load (i32.const 8)) (i32.const 0))
                (then
                  (i32.store (i32.const 4) (i32.load (i32.const 8)))
                  (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 12)))
                  (br $next))))))
        """;

    /// <summary>Loops forever.</summary>
    public const string Spin = """
        (module
          (memory (export "memory") 1)
          (func (export "_start") (loop $forever (br $forever))))
        """;

    /// <summary>Grows memory one page at a time until refused, then traps.</summary>
    public const string MemoryBomb = """
        (module
          (memory (export "memory") 1)
          (func (export "_start")
            (loop $grow
              (br_if $grow (i32.ne (memory.grow (i32.const 1)) (i32.const -1))))
            unreachable))
        """;

    /// <summary>Writes 4 KiB to stdout forever.</summary>
    public const string Flood = $$"""
        (module
          {{FdWrite}}
          (memory (export "memory") 1)
          (func (export "_start")
            (i32.store (i32.const 0) (i32.const 1024))
            (i32.store (i32.const 4) (i32.const 4096))
            (loop $more
              (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
              (br $more))))
        """;

    public const string Unreachable = """
        (module
          (memory (export "memory") 1)
          (func (export "_start") unreachable))
        """;

    /// <summary>Writes argv and environ (NUL-separated) to stdout.</summary>
    public const string ArgsAndEnv = $$"""
        (module
          {{FdWrite}}
          (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes_get (param i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "args_get" (func $args_get (param i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "environ_sizes_get" (func $environ_sizes_get (param i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "environ_get" (func $environ_get (param i32 i32) (result i32)))
          (memory (export "memory") 1)
          (func $print (param $ptr i32) (param $len i32)
            (i32.store (i32.const 0) (local.get $ptr))
            (i32.store (i32.const 4) (local.get $len))
            (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))
          (func (export "_start")
            (drop (call $args_sizes_get (i32.const 16) (i32.const 20)))
            (drop (call $args_get (i32.const 1024) (i32.const 4096)))
            (call $print (i32.const 4096) (i32.load (i32.const 20)))
            (drop (call $environ_sizes_get (i32.const 16) (i32.const 20)))
            (drop (call $environ_get (i32.const 2048) (i32.const 8192)))
            (call $print (i32.const 8192) (i32.load (i32.const 20)))))
        """;

    public const string NoStart = """
        (module (memory (export "memory") 1) (func (export "main")))
        """;

    public static string Exit(int code) => $$"""
        (module
          {{ProcExit}}
          (memory (export "memory") 1)
          (func (export "_start") (call $proc_exit (i32.const {{code}}))))
        """;
}
