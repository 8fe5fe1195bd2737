using Platform.Runtime.Wasi;
using Wasmtime;

namespace Platform.Runtime.Validation;

/// <summary>The function ABI v1: a WASI command exporting <c>_start</c>, importing only WASI preview 1.</summary>
internal static class AbiCheck
{
    public static string? Check(Module module)
    {
        var start = module.Exports.OfType<FunctionExport>().FirstOrDefault(e => e.Name == "_start");
        if (start is null)
            return "not a WASI command: the module exports no _start function";
        if (start.Parameters.Count != 0 || start.Results.Count != 0)
            return "_start must take no parameters and return nothing";

        foreach (var import in module.Imports)
        {
            if (import.ModuleName != WasiPreview1.ModuleName)
                return $"import `{import.ModuleName}::{import.Name}` is not allowed: functions may import only {WasiPreview1.ModuleName} functions";
            if (import is not FunctionImport function)
                return $"import `{import.ModuleName}::{import.Name}` is not a function";
            if (!WasiPreview1.Signatures.TryGetValue(import.Name, out var signature))
                return $"import `{import.ModuleName}::{import.Name}` is not a WASI preview 1 function";
            if (!function.Parameters.SequenceEqual(signature.Parameters) || !function.Results.SequenceEqual(signature.Results))
                return $"import `{import.ModuleName}::{import.Name}` has the wrong signature";
        }

        return null;
    }
}
