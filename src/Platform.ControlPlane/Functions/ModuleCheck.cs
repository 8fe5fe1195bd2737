using Platform.ControlPlane.Errors;
using Platform.Runtime;

namespace Platform.ControlPlane.Functions;

/// <summary>A module that compiled: canonical binary bytes (WAT converted) and their SHA-256.</summary>
internal sealed record ValidatedModule(byte[] Bytes, string Sha256);

/// <summary>Compile check through Platform.Runtime (nothing runs); failures become INVALID_MODULE.</summary>
internal sealed class ModuleCheck(ModuleValidator validator)
{
    public ValidatedModule Validate(ReadOnlySpan<byte> source, long maxModuleBytes)
    {
        if (source.IsEmpty)
            throw new PlatformException(ErrorCode.InvalidModule, "the module is empty");
        var result = validator.Validate(source, ModuleLimits.Default with { MaxModuleBytes = maxModuleBytes });
        if (!result.IsValid || result.WasmBytes is null || result.Sha256 is null)
            throw new PlatformException(ErrorCode.InvalidModule, result.Error ?? "the module is not valid");
        return new ValidatedModule(result.WasmBytes, result.Sha256);
    }
}
