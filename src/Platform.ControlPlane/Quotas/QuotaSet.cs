namespace Platform.ControlPlane.Quotas;

/// <summary>
/// Quota overrides as the API takes them: every field optional; null means "follow the platform
/// default". JSON names are those of docs/control-plane.md (<c>maxFuel</c>, <c>maxMemoryMb</c>, ...).
/// </summary>
public sealed record QuotaSet(
    long? MaxFuel = null,
    int? MaxMemoryMb = null,
    int? MaxTimeoutMs = null,
    long? MaxModuleBytes = null,
    int? MaxFunctions = null,
    int? InvocationsPerSecond = null,
    int? Burst = null,
    int? MaxConcurrency = null,
    long? MaxInputBytes = null,
    long? MaxOutputBytes = null,
    int? MaxVersionsPerFunction = null,
    int? MaxAliasesPerFunction = null,
    long? MaxStoredBytes = null,
    int? ManagementCallsPerSecond = null,
    int? ManagementBurst = null,
    int? HistoryRetentionHours = null,
    int? MaxHistoryRecords = null,
    long? MaxRecordingBytes = null,
    long? MaxAssetBytes = null,
    int? MaxAssetFiles = null,
    long? MaxScratchBytes = null)
{
    public static QuotaSet None { get; } = new();

    /// <summary>Applies these overrides over <paramref name="defaults"/>.</summary>
    public EffectiveQuotas Over(EffectiveQuotas defaults)
    {
        ArgumentNullException.ThrowIfNull(defaults);
        return new(
            MaxFuel ?? defaults.MaxFuel,
            MaxMemoryMb ?? defaults.MaxMemoryMb,
            MaxTimeoutMs ?? defaults.MaxTimeoutMs,
            MaxModuleBytes ?? defaults.MaxModuleBytes,
            MaxFunctions ?? defaults.MaxFunctions,
            InvocationsPerSecond ?? defaults.InvocationsPerSecond,
            Burst ?? defaults.Burst,
            MaxConcurrency ?? defaults.MaxConcurrency,
            MaxInputBytes ?? defaults.MaxInputBytes,
            MaxOutputBytes ?? defaults.MaxOutputBytes,
            MaxVersionsPerFunction ?? defaults.MaxVersionsPerFunction,
            MaxAliasesPerFunction ?? defaults.MaxAliasesPerFunction,
            MaxStoredBytes ?? defaults.MaxStoredBytes,
            ManagementCallsPerSecond ?? defaults.ManagementCallsPerSecond,
            ManagementBurst ?? defaults.ManagementBurst,
            HistoryRetentionHours ?? defaults.HistoryRetentionHours,
            MaxHistoryRecords ?? defaults.MaxHistoryRecords,
            MaxRecordingBytes ?? defaults.MaxRecordingBytes,
            MaxAssetBytes ?? defaults.MaxAssetBytes,
            MaxAssetFiles ?? defaults.MaxAssetFiles,
            MaxScratchBytes ?? defaults.MaxScratchBytes);
    }
}

/// <summary>A tenant's quotas with the platform defaults applied: every field set.</summary>
public sealed record EffectiveQuotas(
    long MaxFuel,
    int MaxMemoryMb,
    int MaxTimeoutMs,
    long MaxModuleBytes,
    int MaxFunctions,
    int InvocationsPerSecond,
    int Burst,
    int MaxConcurrency,
    long MaxInputBytes,
    long MaxOutputBytes,
    int MaxVersionsPerFunction,
    int MaxAliasesPerFunction,
    long MaxStoredBytes,
    int ManagementCallsPerSecond,
    int ManagementBurst,
    int HistoryRetentionHours,
    int MaxHistoryRecords,
    long MaxRecordingBytes,
    long MaxAssetBytes,
    int MaxAssetFiles,
    long MaxScratchBytes)
{
    /// <summary>The same values as a complete override set.</summary>
    public QuotaSet ToSet() => new(
        MaxFuel, MaxMemoryMb, MaxTimeoutMs, MaxModuleBytes, MaxFunctions, InvocationsPerSecond, Burst, MaxConcurrency,
        MaxInputBytes, MaxOutputBytes, MaxVersionsPerFunction, MaxAliasesPerFunction, MaxStoredBytes, ManagementCallsPerSecond, ManagementBurst,
        HistoryRetentionHours, MaxHistoryRecords, MaxRecordingBytes, MaxAssetBytes, MaxAssetFiles, MaxScratchBytes);
}
