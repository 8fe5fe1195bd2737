namespace Platform.Runtime;

/// <summary>
/// The verdict on an uploaded module. When valid, <see cref="WasmBytes"/> holds the canonical
/// binary (WAT converted) and <see cref="Sha256"/> its lowercase hex SHA-256.
/// </summary>
public sealed record ModuleValidation(bool IsValid, byte[]? WasmBytes, string? Sha256, string? Error)
{
    public static ModuleValidation Invalid(string error) => new(false, null, null, error);
}
