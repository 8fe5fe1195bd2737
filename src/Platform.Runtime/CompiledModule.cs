using Wasmtime;

namespace Platform.Runtime;

/// <summary>A module compiled for this engine, ready to instantiate; shared by concurrent invocations.</summary>
public sealed class CompiledModule
{
    internal CompiledModule(string sha256, Module module, long artifactBytes)
    {
        Sha256 = sha256;
        Module = module;
        ArtifactBytes = artifactBytes;
    }

    /// <summary>Lowercase hex SHA-256 of the module's binary bytes.</summary>
    public string Sha256 { get; }

    /// <summary>Size of the serialized artifact: what the module costs the in-memory cache.</summary>
    public long ArtifactBytes { get; }

    internal Module Module { get; }
}
