namespace Platform.Testing;

/// <summary>
/// Guests whose run depends on what the host serves: each reads the realtime clock and 8 random
/// bytes, takes x = (clock ^ random) &amp; 0xFF, writes x bytes to stderr, burns fuel in
/// proportion to x, and then ends its own way. Run twice, they differ; replayed from a
/// recording, they must not.
/// </summary>
internal static class ReplayWat
{
    private const string Prelude = """
          (import "wasi_snapshot_preview1" "clock_time_get" (func $clock (param i32 i64 i32) (result i32)))
          (import "wasi_snapshot_preview1" "random_get" (func $random (param i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
          (memory (export "memory") 2)
          (global $x (mut i32) (i32.const 0))
          (func $write (param $fd i32) (param $ptr i32) (param $len i32)
            (i32.store (i32.const 32) (local.get $ptr))
            (i32.store (i32.const 36) (local.get $len))
            (drop (call $fd_write (local.get $fd) (i32.const 32) (i32.const 1) (i32.const 40))))
          (func $prelude (local $i i32)
            (drop (call $clock (i32.const 0) (i64.const 1) (i32.const 0)))
            (drop (call $random (i32.const 8) (i32.const 8)))
            (global.set $x (i32.and (i32.wrap_i64 (i64.xor (i64.load (i32.const 0)) (i64.load (i32.const 8)))) (i32.const 255)))
            (call $write (i32.const 2) (i32.const 1024) (global.get $x))
            (local.set $i (i32.mul (global.get $x) (i32.const 100)))
            (block $done (loop $burn
              (br_if $done (i32.eqz (local.get $i)))
              (local.set $i (i32.sub (local.get $i) (i32.const 1)))
              (br $burn))))
        """;

    /// <summary>OK: prints its 8 random bytes.</summary>
    public const string Ok = "(module " + Prelude + """
          (func (export "_start") (call $prelude) (call $write (i32.const 1) (i32.const 8) (i32.const 8))))
        """;

    /// <summary>TRAP when x is odd, else OK printing its random bytes: the clock and the random bytes decide.</summary>
    public const string TrapOnOdd = "(module " + Prelude + """
          (func (export "_start")
            (call $prelude)
            (if (i32.and (global.get $x) (i32.const 1)) (then unreachable))
            (call $write (i32.const 1) (i32.const 8) (i32.const 8))))
        """;

    /// <summary>OUT_OF_FUEL: spins after the prelude.</summary>
    public const string Spin = "(module " + Prelude + """
          (func (export "_start") (call $prelude) (loop $forever (br $forever))))
        """;

    /// <summary>EXIT_NONZERO with code x + 1.</summary>
    public const string Exit = "(module " + Prelude + """
          (func (export "_start") (call $prelude) (call $proc_exit (i32.add (global.get $x) (i32.const 1)))))
        """;

    /// <summary>OUTPUT_LIMIT: writes x + 1 bytes to stdout, over and over.</summary>
    public const string Flood = "(module " + Prelude + """
          (func (export "_start")
            (call $prelude)
            (loop $more (call $write (i32.const 1) (i32.const 1024) (i32.add (global.get $x) (i32.const 1024))) (br $more))))
        """;
}
