using Platform.ControlPlane.Errors;
using Platform.ControlPlane.Telemetry;
using Platform.Hosting.Artifacts;
using Platform.Runtime;
using Platform.Runtime.Compilation;

namespace Platform.ControlPlane.Functions;

/// <summary>A module that compiled: canonical binary bytes (WAT converted) and their SHA-256; for a component, its world.</summary>
internal sealed record ValidatedModule(byte[] Bytes, string Sha256)
{
    public FunctionKind Kind { get; init; } = FunctionKind.Module;

    public Platform.Runtime.Components.ComponentWorld? World { get; init; }
}

/// <summary>
/// Compile check through Platform.Runtime, under the compile budget, one compile per tenant at a
/// time (nothing runs); failures become INVALID_MODULE, a compiler that cannot take the module
/// UNAVAILABLE. The compile's artifact is signed and kept, so workers load it instead of compiling.
/// </summary>
internal sealed class ModuleCheck(ModuleValidator validator, ArtifactSigning artifacts, ControlPlaneMetrics metrics)
{
    public async Task<ValidatedModule> ValidateAsync(ReadOnlyMemory<byte> source, long maxModuleBytes, Guid tenantId, CancellationToken cancellationToken)
    {
        if (source.IsEmpty)
            throw new PlatformException(ErrorCode.InvalidModule, "the module is empty");
        ModuleValidation result;
        try
        {
            result = await validator.ValidateAsync(source, ModuleLimits.Default with { MaxModuleBytes = maxModuleBytes }, tenantId.ToString("N"), cancellationToken);
        }
        catch (CompilerUnavailableException ex)
        {
            throw new PlatformException(ErrorCode.Unavailable, $"the module could not be compiled now: {ex.Message}");
        }

        if (!result.IsValid || result.WasmBytes is null || result.Sha256 is null)
            throw new PlatformException(ErrorCode.InvalidModule, result.Error ?? "the module is not valid");
        metrics.UploadCompiled();
        // Kept before the version commits: content-addressed, so a failed commit leaves only a file
        // the next upload of the same bytes overwrites.
        if (result.Artifact is not null)
            artifacts.Keep(result.Sha256, result.Artifact, result.Kind == FunctionKind.Component ? Platform.Runtime.Artifacts.ArtifactKind.Component : Platform.Runtime.Artifacts.ArtifactKind.CoreModule);
        return new ValidatedModule(result.WasmBytes, result.Sha256) { Kind = result.Kind, World = result.World };
    }
}
