using System.Text;

namespace Platform.ControlPlane.Tests;

/// <summary>Guest modules written here, as WAT.</summary>
internal static class Modules
{
    /// <summary>A minimal WASI command: imports fd_write, exports memory and _start.</summary>
    public const string Hello =
        """(module (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32))) (memory (export "memory") 1) (func (export "_start")))""";

    /// <summary>Another valid command with different bytes.</summary>
    public const string Other =
        """(module (memory (export "memory") 1) (func (export "_start") (nop) (nop)))""";

    /// <summary>Imports something the platform does not provide.</summary>
    public const string EvilImport =
        """(module (import "evil" "x" (func)) (memory (export "memory") 1) (func (export "_start")))""";

    public const string BrokenWat = "(module (func (export \"_start\") (i32.add)))";

    public static byte[] Garbage { get; } = Encoding.ASCII.GetBytes("this is not a module at all");

    /// <summary>A distinct valid module per <paramref name="n"/> (different bytes, different hash).</summary>
    public static string Numbered(int n) =>
        $$"""(module (memory (export "memory") 1) (global i32 (i32.const {{n}})) (func (export "_start")))""";
}
