namespace Platform.Worker.WarmUp;

/// <summary>
/// The module a worker runs once before it registers (<see cref="InvokePathWarmUp"/>): the
/// worker's own, not a tenant's, so it is compiled in process, never stored in the artifact cache
/// and never counted as a tenant's invocation. The default echoes stdin to stdout through WASI, so
/// the warm-up crosses the same host calls a trivial function does.
/// </summary>
internal sealed class WarmUpModule
{
    /// <summary>Copies at most 64 bytes of stdin to stdout.</summary>
    public const string EchoText =
        """
        (module
          (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
          (memory (export "memory") 1)
          (func (export "_start")
            (i32.store (i32.const 0) (i32.const 64))
            (i32.store (i32.const 4) (i32.const 64))
            (drop (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)))
            (i32.store (i32.const 4) (i32.load (i32.const 8)))
            (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))
        """;

    public static WarmUpModule Echo { get; } = new(EchoText, "warm-up", "warm-up");

    /// <param name="text">The module in WebAssembly text.</param>
    /// <param name="input">What the warm-up invocation sends.</param>
    /// <param name="expectedOutput">What it must answer for the warm-up to count as done.</param>
    public WarmUpModule(string text, string input, string expectedOutput)
    {
        Text = text;
        Input = input;
        ExpectedOutput = expectedOutput;
    }

    public string Text { get; }

    public string Input { get; }

    public string ExpectedOutput { get; }
}
