using System.Security.Cryptography;
using Platform.Runtime.Validation;
using Wasmtime;

namespace Platform.Runtime;

/// <summary>
/// Checks that bytes are a function this platform can run (a core Wasm module, binary or WAT,
/// exporting <c>_start</c>, importing only WASI preview 1) by compiling it; nothing runs.
/// Never throws on bad input: every problem becomes <see cref="ModuleValidation.Error"/>.
/// </summary>
public sealed class ModuleValidator(WasmEngine engine)
{
    public ModuleValidation Validate(ReadOnlySpan<byte> source, ModuleLimits limits)
    {
        var compiled = Compile(source, limits, out var module);
        module?.Dispose();
        return compiled;
    }

    /// <summary>Validates and hands back the compiled module, so a caller that runs it compiles once.</summary>
    internal ModuleValidation Compile(ReadOnlySpan<byte> source, ModuleLimits limits, out Module? module)
    {
        ArgumentNullException.ThrowIfNull(limits);
        module = null;
        if (source.IsEmpty) return ModuleValidation.Invalid("the module is empty");
        if (source.Length > limits.MaxModuleBytes) return TooLarge(source.Length, limits);

        if (!WasmBinary.HasMagic(source))
        {
            if (!WatText.LooksLikeWat(source))
                return ModuleValidation.Invalid("not a WebAssembly module: no \\0asm header, and not WAT text");
            if (!WatText.TryConvert(source, out var converted, out var watError))
                return ModuleValidation.Invalid($"invalid WAT: {watError}");
            if (converted.Length > limits.MaxModuleBytes) return TooLarge(converted.Length, limits);
            return CompileBinary(converted, limits, out module);
        }

        return CompileBinary(source.ToArray(), limits, out module);
    }

    private ModuleValidation CompileBinary(byte[] bytes, ModuleLimits limits, out Module? module)
    {
        module = null;
        if (WasmBinary.IsComponent(bytes))
            return ModuleValidation.Invalid("this is a WebAssembly component; the v1 function ABI takes a core module (WASI preview 1 command)");
        if (!WasmBinary.TryCountDefinedFunctions(bytes, out var functions, out var parseError))
            return ModuleValidation.Invalid($"malformed module: {parseError}");
        if (functions > limits.MaxFunctions)
            return ModuleValidation.Invalid($"the module defines {functions} functions; the limit is {limits.MaxFunctions}");

        Module compiled;
        try
        {
            compiled = Module.FromBytes(engine.Engine, "function", bytes);
        }
        catch (WasmtimeException ex)
        {
            return ModuleValidation.Invalid($"invalid module: {ErrorText.FirstLines(ex.Message)}");
        }

        var abiError = AbiCheck.Check(compiled);
        if (abiError is not null)
        {
            compiled.Dispose();
            return ModuleValidation.Invalid(abiError);
        }

        module = compiled;
        return new ModuleValidation(true, bytes, Convert.ToHexStringLower(SHA256.HashData(bytes)), null);
    }

    private static ModuleValidation TooLarge(long size, ModuleLimits limits) =>
        ModuleValidation.Invalid($"the module is {size} bytes; the limit is {limits.MaxModuleBytes}");
}
