namespace Platform.Runtime;

/// <summary>
/// The verdict on an uploaded module. When valid, <see cref="WasmBytes"/> holds the canonical
/// binary (WAT converted) and <see cref="Sha256"/> its lowercase hex SHA-256.
/// </summary>
public sealed record ModuleValidation(bool IsValid, byte[]? WasmBytes, string? Sha256, string? Error)
{
    /// <summary>The artifact the validating compile produced (<c>Module.Serialize</c>), when it compiled.</summary>
    public byte[]? Artifact { get; init; }

    /// <summary>A core module or a component (valid results only).</summary>
    public FunctionKind Kind { get; init; } = FunctionKind.Module;

    /// <summary>The world of a valid component; null for a core module.</summary>
    public Components.ComponentWorld? World { get; init; }

    public static ModuleValidation Invalid(string error) => new(false, null, null, error);
}
