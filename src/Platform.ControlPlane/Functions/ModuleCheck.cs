using Platform.ControlPlane.Errors;
using Platform.ControlPlane.Telemetry;
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
/// UNAVAILABLE.
/// </summary>
internal sealed class ModuleCheck(ModuleValidator validator, ControlPlaneMetrics metrics)
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
        return new ValidatedModule(result.WasmBytes, result.Sha256) { Kind = result.Kind, World = result.World };
    }
}
