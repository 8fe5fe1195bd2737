using Platform.Runtime.Components;
using Wasmtime;
using Wasmtime.Components;

namespace Platform.Runtime;

/// <summary>
/// A function compiled for this engine, ready to instantiate: a core module (ABI v1) or a
/// component of a platform world. Shared by concurrent invocations.
/// </summary>
public sealed class CompiledModule
{
    internal CompiledModule(string sha256, Module module, long artifactBytes)
    {
        Sha256 = sha256;
        Module = module;
        Kind = FunctionKind.Module;
        ArtifactBytes = artifactBytes;
    }

    internal CompiledModule(string sha256, Component component, ComponentWorld world, long artifactBytes)
    {
        Sha256 = sha256;
        Component = component;
        World = world;
        Kind = FunctionKind.Component;
        ArtifactBytes = artifactBytes;
    }

    /// <summary>Lowercase hex SHA-256 of the module's binary bytes.</summary>
    public string Sha256 { get; }

    public FunctionKind Kind { get; }

    /// <summary>The world of a component; null for a core module.</summary>
    public ComponentWorld? World { get; }

    /// <summary>The kind its artifact is signed and stored as.</summary>
    internal Artifacts.ArtifactKind ArtifactKind => Kind == FunctionKind.Component ? Artifacts.ArtifactKind.Component : Artifacts.ArtifactKind.CoreModule;

    /// <summary>Size of the serialized artifact: what the module costs the in-memory cache.</summary>
    public long ArtifactBytes { get; }

    internal Module? Module { get; }

    internal Component? Component { get; }

    /// <summary>
    /// Loads an artifact (the compiler's output) of either kind. The caller must have verified
    /// that the bytes came from this platform's compiler for this engine's fingerprint:
    /// deserializing anything else is unsafe. Throws <see cref="WasmtimeException"/> when Wasmtime
    /// refuses the bytes, and <see cref="InvalidModuleException"/> for a component without a world export.
    /// </summary>
    public static CompiledModule Load(WasmEngine engine, string sha256, byte[] artifact, Artifacts.ArtifactKind? kind = null)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(artifact);
        var isComponent = ArtifactKinds.IsComponentArtifact(artifact);
        if (kind is { } signed && signed != (isComponent ? Artifacts.ArtifactKind.Component : Artifacts.ArtifactKind.CoreModule))
            throw new InvalidModuleException($"the artifact's bytes are not of its stated kind {signed}");
        if (!isComponent)
            return new CompiledModule(sha256, Module.Deserialize(engine.Engine, "function", artifact), artifact.Length);

        var component = Component.Deserialize(engine.Engine, artifact);
        var world = WorldOf(component);
        if (world is null)
        {
            component.Dispose();
            throw new InvalidModuleException("the component exports neither `invoke` nor `handle`");
        }

        return new CompiledModule(sha256, component, world.Value, artifact.Length);
    }

    internal void Dispose()
    {
        Module?.Dispose();
        Component?.Dispose();
    }

    private static ComponentWorld? WorldOf(Component component)
    {
        using (var invoke = component.GetExport(ComponentWorlds.InvokeExport))
        {
            if (invoke is not null) return ComponentWorld.Invoke;
        }

        using var handle = component.GetExport(ComponentWorlds.HttpExport);
        return handle is not null ? ComponentWorld.Http : null;
    }
}
