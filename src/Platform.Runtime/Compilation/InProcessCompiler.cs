using Platform.Runtime.Validation;
using Wasmtime;

namespace Platform.Runtime.Compilation;

/// <summary>
/// Compiles on the calling thread, without a budget: for code the caller trusts (a local
/// <c>platformctl run</c>) and inside the compiler process itself. Never for tenant uploads.
/// </summary>
public sealed class InProcessCompiler(WasmEngine engine) : IModuleCompiler
{
    public Task<byte[]> CompileAsync(byte[] wasm, string? partition, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(wasm);
        return Task.FromResult(Compile(engine.Engine, wasm));
    }

    public Task<Preinit.PreinitSnapshot> PreinitializeAsync(byte[] wasm, Preinit.PreinitRequest request, string? partition, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(wasm);
        ArgumentNullException.ThrowIfNull(request);
        return Task.FromResult(Preinit.Preinitializer.Run(engine, wasm, request));
    }

    internal static byte[] Compile(Engine engine, byte[] wasm)
    {
        try
        {
            if (WasmBinary.IsComponent(wasm))
            {
                using var component = Wasmtime.Components.Component.FromBytes(engine, wasm);
                return component.Serialize();
            }

            using var module = Module.FromBytes(engine, "function", wasm);
            return module.Serialize();
        }
        catch (WasmtimeException ex)
        {
            throw new InvalidModuleException($"invalid {(WasmBinary.IsComponent(wasm) ? "component" : "module")}: {ErrorText.FirstLines(ex.Message)}");
        }
    }
}
