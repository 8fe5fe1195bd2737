using System.Globalization;

namespace Platform.EndToEnd.Tests;

/// <summary>Small WAT functions written for these tests.</summary>
internal static class Wat
{
    /// <summary>A function that writes <paramref name="text"/> (printable ASCII, no quote or backslash) to stdout: a distinct module per text.</summary>
    public static string Constant(string text)
    {
        if (text.Any(c => c is < ' ' or > '~' or '"' or '\\'))
            throw new ArgumentException("printable ASCII without quotes or backslashes", nameof(text));
        var length = text.Length.ToString(CultureInfo.InvariantCulture);
        return $$"""
            (module
              (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
              (memory (export "memory") 1)
              (data (i32.const 64) "{{text}}")
              (func (export "_start")
                (i32.store (i32.const 0) (i32.const 64))
                (i32.store (i32.const 4) (i32.const {{length}}))
                (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))
            """;
    }
}
