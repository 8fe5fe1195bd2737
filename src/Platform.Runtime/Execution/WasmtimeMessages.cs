using Wasmtime;

namespace Platform.Runtime.Execution;

/// <summary>
/// The Wasmtime errors that carry no type or trap code of their own and are therefore recognised
/// by their text. Every string Wasmtime's wording is matched against lives here, and each is
/// pinned by a test that makes Wasmtime produce the error (WasmtimeMessagesTests): an upgrade
/// that rewords one fails that test instead of silently reclassifying outcomes.
/// </summary>
internal static class WasmtimeMessages
{
    /// <summary>The line of a trap's message that states the trap (the rest is a backtrace).</summary>
    public const string TrapLinePrefix = "wasm trap:";

    /// <summary>Instantiation found every slot of the pooling allocator taken.</summary>
    public static bool IsPoolExhausted(WasmtimeException ex) =>
        ex.Message.Contains("maximum concurrent", StringComparison.Ordinal);

    /// <summary>Instantiation met an import the linker does not define.</summary>
    public static bool IsUnknownImport(Exception ex) =>
        ex is WasmtimeException && ex.Message.Contains("unknown import", StringComparison.Ordinal);

    /// <summary>Instantiation could not give the module its initial memory within the store's limit.</summary>
    public static bool IsMemoryLimitAtInstantiation(Exception ex) =>
        ex is WasmtimeException
        && ex.Message.Contains("memory", StringComparison.OrdinalIgnoreCase)
        && (ex.Message.Contains("limit", StringComparison.OrdinalIgnoreCase) || ex.Message.Contains("exceeds", StringComparison.OrdinalIgnoreCase));

    /// <summary>A component's store ran out of fuel (components report it as an error, not a trap code).</summary>
    public static bool IsOutOfFuel(Exception ex) =>
        ex is WasmtimeException && ex.Message.Contains("all fuel consumed", StringComparison.Ordinal);

    /// <summary>A component's store passed its epoch deadline (an error, not a trap code, on components).</summary>
    public static bool IsInterrupt(Exception ex) =>
        ex is WasmtimeException && ex.Message.Contains("interrupt", StringComparison.Ordinal);

    /// <summary>The line that states the trap, or the first line when Wasmtime wrote none such.</summary>
    public static string TrapLine(Exception trap)
    {
        var lines = trap.Message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return lines.FirstOrDefault(line => line.StartsWith(TrapLinePrefix, StringComparison.Ordinal)) ?? lines.FirstOrDefault() ?? "trap";
    }
}
