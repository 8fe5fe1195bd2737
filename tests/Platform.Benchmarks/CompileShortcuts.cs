using Platform.Runtime;
using Platform.Runtime.Compilation;

namespace Platform.Benchmarks;

internal static class CompileShortcuts
{
    /// <summary>A cache that compiles in this process: the sandbox benchmarks measure running, not compiling.</summary>
    public static ArtifactCache InProcessCache(this WasmEngine engine, string? directory = null) =>
        new(engine, new InProcessCompiler(engine), directory);

    public static CompiledModule GetOrCompile(this ArtifactCache cache, byte[] wasm) =>
        cache.GetOrCompileAsync(wasm).GetAwaiter().GetResult();
}
