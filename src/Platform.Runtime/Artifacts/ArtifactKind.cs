namespace Platform.Runtime.Artifacts;

/// <summary>What a compiled artifact is: which loader may deserialize its (otherwise opaque) bytes. Part of the signed statement.</summary>
public enum ArtifactKind : byte
{
    /// <summary><c>Module.Serialize</c> output of a core Wasm module.</summary>
    CoreModule = 1,

    /// <summary><c>Component.Serialize</c> output of a component of a platform world.</summary>
    Component = 2,
}
