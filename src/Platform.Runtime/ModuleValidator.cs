using System.Security.Cryptography;
using Platform.Runtime.Compilation;
using Platform.Runtime.Components;
using Platform.Runtime.Validation;
using Wasmtime;

namespace Platform.Runtime;

/// <summary>
/// Checks that bytes are a function this platform can run (a core Wasm module, binary or WAT,
/// using only the engine's Wasm features, exporting <c>_start</c>, importing only WASI preview 1;
/// or a component of a <c>platform:function</c> world importing only the WASI 0.2 interfaces the
/// platform links, see <see cref="ComponentCheck"/>):
/// cheap checks first, then one compile through the <see cref="IModuleCompiler"/> (bounded for
/// tenant code), then the ABI on the compiled module; nothing runs.
/// Never throws on bad input: every problem becomes <see cref="ModuleValidation.Error"/>.
/// </summary>
public sealed class ModuleValidator(WasmEngine engine, IModuleCompiler compiler)
{
    /// <summary>The checks before compiling: size, header, WAT conversion, function count. Gives the canonical binary.</summary>
    public static ModuleValidation Prepare(ReadOnlySpan<byte> source, ModuleLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        if (source.IsEmpty) return ModuleValidation.Invalid("the module is empty");
        if (source.Length > limits.MaxModuleBytes) return TooLarge(source.Length, limits);

        byte[] bytes;
        if (WasmBinary.HasMagic(source))
        {
            bytes = source.ToArray();
        }
        else
        {
            if (!WatText.LooksLikeWat(source))
                return ModuleValidation.Invalid("not a WebAssembly module: no \\0asm header, and not WAT text");
            if (!WatText.TryConvert(source, out bytes, out var watError))
                return ModuleValidation.Invalid($"invalid WAT: {watError}");
            if (bytes.Length > limits.MaxModuleBytes) return TooLarge(bytes.Length, limits);
        }

        var sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes));
        if (WasmBinary.IsComponent(bytes))
        {
            var (world, componentError) = ComponentCheck.Check(bytes);
            return world is null
                ? ModuleValidation.Invalid(componentError!)
                : new ModuleValidation(true, bytes, sha256, null) { Kind = FunctionKind.Component, World = world };
        }

        if (!WasmBinary.TryCountDefinedFunctions(bytes, out var functions, out var parseError))
            return ModuleValidation.Invalid($"malformed module: {parseError}");
        if (functions > limits.MaxFunctions)
            return ModuleValidation.Invalid($"the module defines {functions} functions; the limit is {limits.MaxFunctions}");
        return new ModuleValidation(true, bytes, sha256, null);
    }

    /// <summary>
    /// Prepares and compiles; <paramref name="partition"/> (the tenant) has one compile in flight
    /// at a time. Throws <see cref="CompilerUnavailableException"/> when no compiler could take it.
    /// </summary>
    public async Task<ModuleValidation> ValidateAsync(ReadOnlyMemory<byte> source, ModuleLimits limits, string? partition, CancellationToken cancellationToken)
    {
        var prepared = Prepare(source.Span, limits);
        if (!prepared.IsValid) return prepared;
        var (error, compiled) = await CompileAsync(prepared.WasmBytes!, partition, cancellationToken);
        compiled?.Compiled.Dispose();
        return error is null ? prepared with { Artifact = compiled?.Artifact } : ModuleValidation.Invalid(error);
    }

    /// <summary>Compiles prepared bytes and checks the ABI: the error, or the module with its artifact.</summary>
    internal async Task<(string? Error, CompileOutput? Output)> CompileAsync(byte[] wasm, string? partition, CancellationToken cancellationToken)
    {
        byte[] artifact;
        try
        {
            artifact = await compiler.CompileAsync(wasm, partition, cancellationToken);
        }
        catch (InvalidModuleException ex)
        {
            return (ex.Message, null);
        }

        CompiledModule compiled;
        try
        {
            compiled = CompiledModule.Load(engine, Convert.ToHexStringLower(SHA256.HashData(wasm)), artifact);
        }
        catch (WasmtimeException ex)
        {
            throw new CompilerUnavailableException($"the compiler's artifact does not load in this engine: {ErrorText.FirstLines(ex.Message)}", ex);
        }
        catch (InvalidModuleException ex)
        {
            return (ex.Message, null);
        }

        var abiError = compiled.Module is { } module ? AbiCheck.Check(module) : null;
        if (abiError is not null)
        {
            compiled.Dispose();
            return (abiError, null);
        }

        return (null, new CompileOutput(compiled, artifact));
    }

    private static ModuleValidation TooLarge(long size, ModuleLimits limits) =>
        ModuleValidation.Invalid($"the module is {size} bytes; the limit is {limits.MaxModuleBytes}");
}

/// <summary>A compiled function and the serialized artifact it was loaded from.</summary>
internal sealed record CompileOutput(CompiledModule Compiled, byte[] Artifact);
