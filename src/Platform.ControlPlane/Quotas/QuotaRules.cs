using Platform.ControlPlane.Errors;

namespace Platform.ControlPlane.Quotas;

/// <summary>Bounds every quota value must respect, whether a default or a tenant override.</summary>
internal static class QuotaRules
{
    /// <summary>A wasm32 memory cannot exceed 4 GiB.</summary>
    public const int MaxMemoryMbBound = 4096;

    /// <summary>Fifteen minutes: beyond that an invocation is a batch job, not a function.</summary>
    public const int MaxTimeoutMsBound = 15 * 60 * 1000;

    /// <summary>PostgreSQL's bytea caps a value at 1 GiB.</summary>
    public const long MaxModuleBytesBound = 1L << 30;

    public const int MaxFunctionsBound = 1_000_000;

    /// <summary>An invocation's input and output each ride in one gRPC message to and from a worker.</summary>
    public const long MaxPayloadBytesBound = 64L << 20;

    public const int MaxVersionsPerFunctionBound = 100_000;

    public const int MaxAliasesPerFunctionBound = 1000;

    /// <summary>A year and a day: history is for debugging, not an archive.</summary>
    public const int HistoryRetentionHoursBound = 366 * 24;

    public const int MaxHistoryRecordsBound = 10_000_000;

    /// <summary>An asset bundle is stored as one bytea value and held whole in a worker's memory.</summary>
    public const long MaxAssetBytesBound = 512L << 20;

    public const int MaxAssetFilesBound = 1_000_000;

    /// <summary>Scratch lives in the worker's memory for one invocation.</summary>
    public const long MaxScratchBytesBound = 1L << 30;

    public static IEnumerable<(string Field, string Message)> Check(QuotaSet q)
    {
        ArgumentNullException.ThrowIfNull(q);
        if (Bad(q.MaxFuel, long.MaxValue)) yield return ("maxFuel", "must be positive");
        if (Bad(q.MaxMemoryMb, MaxMemoryMbBound)) yield return ("maxMemoryMb", $"must be between 1 and {MaxMemoryMbBound}");
        if (Bad(q.MaxTimeoutMs, MaxTimeoutMsBound)) yield return ("maxTimeoutMs", $"must be between 1 and {MaxTimeoutMsBound}");
        if (Bad(q.MaxModuleBytes, MaxModuleBytesBound)) yield return ("maxModuleBytes", $"must be between 1 and {MaxModuleBytesBound}");
        if (Bad(q.MaxFunctions, MaxFunctionsBound)) yield return ("maxFunctions", $"must be between 1 and {MaxFunctionsBound}");
        if (Bad(q.InvocationsPerSecond, int.MaxValue)) yield return ("invocationsPerSecond", "must be positive");
        if (Bad(q.Burst, int.MaxValue)) yield return ("burst", "must be positive");
        if (Bad(q.MaxConcurrency, int.MaxValue)) yield return ("maxConcurrency", "must be positive");
        if (Bad(q.MaxInputBytes, MaxPayloadBytesBound)) yield return ("maxInputBytes", $"must be between 1 and {MaxPayloadBytesBound}");
        if (Bad(q.MaxOutputBytes, MaxPayloadBytesBound)) yield return ("maxOutputBytes", $"must be between 1 and {MaxPayloadBytesBound}");
        if (Bad(q.MaxVersionsPerFunction, MaxVersionsPerFunctionBound)) yield return ("maxVersionsPerFunction", $"must be between 1 and {MaxVersionsPerFunctionBound}");
        if (Bad(q.MaxAliasesPerFunction, MaxAliasesPerFunctionBound)) yield return ("maxAliasesPerFunction", $"must be between 1 and {MaxAliasesPerFunctionBound}");
        if (Bad(q.MaxStoredBytes, long.MaxValue)) yield return ("maxStoredBytes", "must be positive");
        if (Bad(q.ManagementCallsPerSecond, int.MaxValue)) yield return ("managementCallsPerSecond", "must be positive");
        if (Bad(q.ManagementBurst, int.MaxValue)) yield return ("managementBurst", "must be positive");
        if (Bad(q.HistoryRetentionHours, HistoryRetentionHoursBound)) yield return ("historyRetentionHours", $"must be between 1 and {HistoryRetentionHoursBound}");
        if (Bad(q.MaxHistoryRecords, MaxHistoryRecordsBound)) yield return ("maxHistoryRecords", $"must be between 1 and {MaxHistoryRecordsBound}");
        if (Bad(q.MaxRecordingBytes, long.MaxValue)) yield return ("maxRecordingBytes", "must be positive");
        if (Bad(q.MaxAssetBytes, MaxAssetBytesBound)) yield return ("maxAssetBytes", $"must be between 1 and {MaxAssetBytesBound}");
        if (Bad(q.MaxAssetFiles, MaxAssetFilesBound)) yield return ("maxAssetFiles", $"must be between 1 and {MaxAssetFilesBound}");
        if (Bad(q.MaxScratchBytes, MaxScratchBytesBound)) yield return ("maxScratchBytes", $"must be between 1 and {MaxScratchBytesBound}");
    }

    /// <summary>Throws INVALID_ARGUMENT naming the first offending field (prefixed, e.g. <c>quotas.maxFuel</c>).</summary>
    public static void Require(QuotaSet q, string fieldPrefix)
    {
        foreach (var (field, message) in Check(q))
            throw PlatformException.InvalidArgument($"{fieldPrefix}.{field}", $"{fieldPrefix}.{field} {message}");
    }

    private static bool Bad(long? value, long max) => value is { } v && (v < 1 || v > max);
}
