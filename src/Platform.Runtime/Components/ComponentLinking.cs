using Wasmtime;
using Wasmtime.Components;

namespace Platform.Runtime.Components;

internal static class ComponentLinking
{
    /// <summary>
    /// WASI 0.2 from Wasmtime plus an empty <c>http-types</c> instance: the http world's records
    /// arrive as a types-only import, which needs an instance to link against but no definitions.
    /// Every other import was refused at upload (<see cref="ComponentCheck"/>), so nothing here is
    /// a fallback for what a component must not use.
    /// </summary>
    public static ComponentLinker Create(Engine engine)
    {
        var linker = new ComponentLinker(engine);
        linker.AddWasiPreview2();
        using var root = linker.Root();
        using var httpTypes = root.AddInstance(ComponentCheck.HttpTypesInterface);
        return linker;
    }
}
