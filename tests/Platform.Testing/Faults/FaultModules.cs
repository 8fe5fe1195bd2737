using System.Globalization;

namespace Platform.Testing.Faults;

/// <summary>The functions the fault scenarios deploy (WAT).</summary>
public static class FaultModules
{
    /// <summary>Copies stdin to stdout.</summary>
    public const string Echo = GuestWat.Echo;

    /// <summary>Loops forever: with a timeout it holds a sandbox slot for exactly that long.</summary>
    public const string Spin = GuestWat.Spin;

    /// <summary>The echo with a marker in its data, so every upload is a different module (its own SHA-256).</summary>
    public static string NumberedEcho(int number)
    {
        var moduleEnd = GuestWat.Echo.LastIndexOf(')');
        return GuestWat.Echo[..moduleEnd] + $"\n  (data (i32.const 65000) \"upload-{number.ToString(CultureInfo.InvariantCulture)}\"))";
    }

    /// <summary>Counts down from <paramref name="iterations"/>: CPU work of a fixed size, no output.</summary>
    public static string Busy(int iterations) => $$"""
        (module
          (memory (export "memory") 1)
          (func (export "_start") (local $i i32)
            (local.set $i (i32.const {{iterations.ToString(CultureInfo.InvariantCulture)}}))
            (loop $next
              (local.set $i (i32.sub (local.get $i) (i32.const 1)))
              (br_if $next (local.get $i)))))
        """;
}
