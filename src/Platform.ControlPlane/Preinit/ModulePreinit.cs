using Microsoft.Extensions.Logging;
using Platform.ControlPlane.Errors;
using Platform.ControlPlane.Functions;
using Platform.ControlPlane.Quotas;
using Platform.Runtime;
using Platform.Runtime.Compilation;
using Platform.Runtime.Preinit;

namespace Platform.ControlPlane.Preinit;

/// <summary>A snapshot that validated, ready to store beside its upload.</summary>
internal sealed record PreparedSnapshot(ValidatedModule Module, long FuelConsumed);

/// <summary>
/// The deploy step after the module check: a module that exports an initialiser (and whose
/// config does not say <c>"preinit": false</c>) has it run once in a compiler process, under the
/// tenant's maxFuel, maxMemoryMb, maxTimeoutMs and maxOutputBytes and the compile budget, and the
/// snapshot is checked like an upload. A failed initialiser fails the deploy: PREINIT_FAILED.
/// </summary>
internal sealed partial class ModulePreinit(IModuleCompiler compiler, ModuleCheck check, ILogger<ModulePreinit> logger)
{
    private const string TenantVariable = "PLATFORM_TENANT";
    private const string FunctionVariable = "PLATFORM_FUNCTION";

    /// <summary>Null when the version runs the module as uploaded (no initialiser, or opted out).</summary>
    public async Task<PreparedSnapshot?> RunAsync(ValidatedModule module, Auth.Caller.Tenant caller, string function, FunctionConfig config, EffectiveQuotas quotas, CancellationToken cancellationToken)
    {
        if (config.Preinit == false || module.Kind == FunctionKind.Component || PreinitModule.FindInitializer(module.Bytes) is not { } initializer)
            return null;

        var request = new PreinitRequest
        {
            Args = [function, .. config.Args],
            Env = [.. config.Env, new(TenantVariable, caller.TenantName), new(FunctionVariable, function)],
            Limits = new InvocationLimits
            {
                Fuel = quotas.MaxFuel,
                MemoryMb = quotas.MaxMemoryMb,
                TimeoutMs = quotas.MaxTimeoutMs,
                MaxOutputBytes = (int)Math.Min(quotas.MaxOutputBytes, int.MaxValue),
            },
        };

        PreinitSnapshot snapshot;
        try
        {
            snapshot = await compiler.PreinitializeAsync(module.Bytes, request, caller.TenantId.ToString("N"), cancellationToken);
        }
        catch (PreinitFailedException ex)
        {
            LogRefused(logger, caller.TenantId, function, ex.Reason.ToCode());
            throw new PlatformException(ErrorCode.PreinitFailed,
                $"pre-initialisation failed ({ex.Reason.ToCode()}): {ex.Message}. The initialiser {initializer} runs at deploy under the tenant's maxFuel, maxMemoryMb, maxTimeoutMs and maxOutputBytes; deploy with config \"preinit\": false to run the module as uploaded",
                "module");
        }
        catch (CompilerUnavailableException ex)
        {
            throw new PlatformException(ErrorCode.Unavailable, $"the module could not be pre-initialised now: {ex.Message}");
        }

        // The snapshot carries the initialiser's memory: it may exceed maxModuleBytes by at most maxMemoryMb.
        var snapshotLimit = quotas.MaxModuleBytes + ((long)quotas.MaxMemoryMb << 20);
        ValidatedModule validated;
        try
        {
            validated = await check.ValidateAsync(snapshot.Module, snapshotLimit, caller.TenantId, cancellationToken);
        }
        catch (PlatformException ex) when (ex.Code == ErrorCode.InvalidModule)
        {
            throw new PlatformException(ErrorCode.PreinitFailed, $"pre-initialisation failed: the snapshot is not a valid module: {ex.Message}", "module");
        }

        LogSnapshot(logger, caller.TenantId, function, snapshot.FuelConsumed, validated.Bytes.Length);
        return new PreparedSnapshot(validated, snapshot.FuelConsumed);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Pre-initialised {Function} of tenant {TenantId}: the initialiser used {Fuel} fuel, the snapshot is {Bytes} bytes")]
    private static partial void LogSnapshot(ILogger logger, Guid tenantId, string function, long fuel, int bytes);

    [LoggerMessage(Level = LogLevel.Information, Message = "Pre-initialisation of {Function} of tenant {TenantId} refused: {Reason}")]
    private static partial void LogRefused(ILogger logger, Guid tenantId, string function, string reason);
}
