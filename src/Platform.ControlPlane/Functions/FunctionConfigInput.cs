using Platform.ControlPlane.Errors;
using Platform.ControlPlane.Quotas;

namespace Platform.ControlPlane.Functions;

/// <summary>A function configuration as a client sent it (REST JSON or gRPC), before validation.</summary>
internal sealed class FunctionConfigInput
{
    public const int MaxEnvEntries = 64;
    public const int MaxEnvNameLength = 256;
    public const int MaxEnvValueLength = 4096;
    public const int MaxArgs = 64;
    public const int MaxArgLength = 4096;

    public Dictionary<string, string?>? Env { get; set; }

    public List<string?>? Args { get; set; }

    public long? Fuel { get; set; }

    public int? MemoryMb { get; set; }

    public int? TimeoutMs { get; set; }

    public HttpTriggerConfigInput? Http { get; set; }

    public string? Record { get; set; }

    public bool? Preinit { get; set; }

    public ScratchConfigInput? Scratch { get; set; }

    /// <summary>Checks every rule against the tenant's quotas; throws INVALID_ARGUMENT naming the field.</summary>
    public FunctionConfig Validate(EffectiveQuotas quotas, string prefix = "config")
    {
        ArgumentNullException.ThrowIfNull(quotas);
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        if (Env is not null)
        {
            if (Env.Count > MaxEnvEntries)
                throw Invalid($"{prefix}.env", $"at most {MaxEnvEntries} environment variables are allowed");
            foreach (var (name, value) in Env)
            {
                var field = $"{prefix}.env";
                if (name.Length == 0 || name.Length > MaxEnvNameLength)
                    throw Invalid(field, $"environment variable names must be 1-{MaxEnvNameLength} characters");
                if (name.Contains('=', StringComparison.Ordinal) || name.Contains('\0', StringComparison.Ordinal))
                    throw Invalid(field, $"environment variable name '{Shown(name)}' contains '=' or NUL");
                if (name.StartsWith("PLATFORM_", StringComparison.OrdinalIgnoreCase))
                    throw Invalid(field, $"environment variable name '{Shown(name)}' is reserved: the platform sets PLATFORM_* variables");
                if (value is null)
                    throw Invalid(field, $"environment variable '{Shown(name)}' has no value");
                if (value.Length > MaxEnvValueLength || value.Contains('\0', StringComparison.Ordinal))
                    throw Invalid(field, $"environment variable '{Shown(name)}': values are at most {MaxEnvValueLength} characters, without NUL");
                env[name] = value;
            }
        }

        var args = new List<string>();
        if (Args is not null)
        {
            if (Args.Count > MaxArgs)
                throw Invalid($"{prefix}.args", $"at most {MaxArgs} arguments are allowed");
            for (var i = 0; i < Args.Count; i++)
            {
                var arg = Args[i];
                if (arg is null || arg.Length > MaxArgLength || arg.Contains('\0', StringComparison.Ordinal))
                    throw Invalid($"{prefix}.args[{i}]", $"arguments are strings of at most {MaxArgLength} characters, without NUL");
                args.Add(arg);
            }
        }

        CheckLimit(Fuel, quotas.MaxFuel, $"{prefix}.fuel", "maxFuel");
        CheckLimit(MemoryMb, quotas.MaxMemoryMb, $"{prefix}.memoryMb", "maxMemoryMb");
        CheckLimit(TimeoutMs, quotas.MaxTimeoutMs, $"{prefix}.timeoutMs", "maxTimeoutMs");
        var http = Http is null ? null : new HttpTriggerConfig(Http.Public ?? false);
        var record = Record switch
        {
            null or "" or RecordModes.None => null,
            RecordModes.Failures or RecordModes.All => Record,
            _ => throw Invalid($"{prefix}.record", $"{prefix}.record must be \"none\", \"failures\" or \"all\""),
        };
        var scratch = ValidateScratch(quotas, $"{prefix}.scratch");
        return new FunctionConfig { Env = env, Args = args, Fuel = Fuel, MemoryMb = MemoryMb, TimeoutMs = TimeoutMs, Http = http, Record = record, Preinit = Preinit == false ? false : null, Scratch = scratch };
    }

    private ScratchConfig? ValidateScratch(EffectiveQuotas quotas, string field)
    {
        if (Scratch is null)
            return null;
        if (Scratch.MaxBytes is not { } maxBytes)
            throw Invalid($"{field}.maxBytes", $"{field}.maxBytes is required (0 for no scratch directory)");
        if (maxBytes < 0)
            throw Invalid($"{field}.maxBytes", $"{field}.maxBytes must not be negative");
        if (maxBytes > quotas.MaxScratchBytes)
            throw new PlatformException(ErrorCode.QuotaExceeded, $"{field}.maxBytes ({maxBytes}) exceeds the tenant's maxScratchBytes quota ({quotas.MaxScratchBytes})", "maxScratchBytes");
        return maxBytes == 0 ? null : new ScratchConfig(maxBytes);
    }

    private static void CheckLimit(long? value, long quota, string field, string quotaName)
    {
        if (value is not { } v)
            return;
        if (v <= 0)
            throw Invalid(field, $"{field} must be positive");
        if (v > quota)
            throw Invalid(field, $"{field} ({v}) exceeds the tenant's {quotaName} quota ({quota})");
    }

    private static string Shown(string value) => value.Length <= 64 ? value.Replace("\0", "\\0", StringComparison.Ordinal) : value[..64] + "...";

    private static PlatformException Invalid(string field, string message) => PlatformException.InvalidArgument(field, message);
}

/// <summary><c>"scratch": { "maxBytes": n }</c>: 0 to the tenant's <c>maxScratchBytes</c>.</summary>
internal sealed class ScratchConfigInput
{
    public long? MaxBytes { get; set; }
}

/// <summary><c>"http": { "public": true|false }</c>; <c>public</c> defaults to false (the tenant's key is required).</summary>
internal sealed class HttpTriggerConfigInput
{
    public bool? Public { get; set; }
}
