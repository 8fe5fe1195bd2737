namespace Platform.ControlPlane.Quotas;

/// <summary>
/// The platform's default quotas (<c>Platform:DefaultQuotas:*</c>). A tenant follows a default
/// for every field it does not override, so changing a default here moves all those tenants.
/// </summary>
public sealed class QuotaDefaults
{
    /// <summary>Fuel per invocation. Default 1,000,000,000.</summary>
    public long MaxFuel { get; set; } = 1_000_000_000;

    /// <summary>Linear memory per invocation, MiB. Default 64.</summary>
    public int MaxMemoryMb { get; set; } = 64;

    /// <summary>Wall-clock time per invocation, ms. Default 5000.</summary>
    public int MaxTimeoutMs { get; set; } = 5000;

    /// <summary>
    /// Size of one module, bytes. Default 32 MiB (33554432): a JavaScript component carries a whole
    /// JS engine (~12 MB) and must deploy as a new tenant would deploy it.
    /// </summary>
    public long MaxModuleBytes { get; set; } = 32L << 20;

    /// <summary>Functions per tenant. Default 100.</summary>
    public int MaxFunctions { get; set; } = 100;

    /// <summary>Token-bucket refill rate. Default 100 per second.</summary>
    public int InvocationsPerSecond { get; set; } = 100;

    /// <summary>Token-bucket size. Default 200.</summary>
    public int Burst { get; set; } = 200;

    /// <summary>Invocations running at once. Default 16.</summary>
    public int MaxConcurrency { get; set; } = 16;

    /// <summary>Request body of an invocation, bytes. Default 1 MiB.</summary>
    public long MaxInputBytes { get; set; } = 1L << 20;

    /// <summary>Response body of an invocation, bytes. Default 1 MiB.</summary>
    public long MaxOutputBytes { get; set; } = 1L << 20;

    /// <summary>Versions one function keeps (deleted versions do not count). Default 100.</summary>
    public int MaxVersionsPerFunction { get; set; } = 100;

    /// <summary>Aliases of one function besides <c>latest</c>. Default 20.</summary>
    public int MaxAliasesPerFunction { get; set; } = 20;

    /// <summary>Bytes of the distinct modules the tenant's versions reference. Default 256 MiB.</summary>
    public long MaxStoredBytes { get; set; } = 256L << 20;

    /// <summary>Token-bucket refill rate of management (non-invoke) calls. Default 20 per second.</summary>
    public int ManagementCallsPerSecond { get; set; } = 20;

    /// <summary>Token-bucket size of management calls. Default 100.</summary>
    public int ManagementBurst { get; set; } = 100;

    /// <summary>Hours an invocation's record (and its recording) is kept in the history. Default 168 (7 days).</summary>
    public int HistoryRetentionHours { get; set; } = 168;

    /// <summary>Invocation records the history keeps per tenant; the oldest go first. Default 10000.</summary>
    public int MaxHistoryRecords { get; set; } = 10_000;

    /// <summary>Bytes of replay recordings kept per tenant (they also count in <see cref="MaxStoredBytes"/>). Default 64 MiB (67108864).</summary>
    public long MaxRecordingBytes { get; set; } = 64L << 20;

    /// <summary>Bytes of one version's asset files, decompressed. Default 64 MiB (67108864).</summary>
    public long MaxAssetBytes { get; set; } = 64L << 20;

    /// <summary>Files and directories in one version's asset bundle. Default 16384.</summary>
    public int MaxAssetFiles { get; set; } = 16_384;

    /// <summary>Bytes a version's per-invocation scratch directory may hold (its <c>scratch.maxBytes</c> at most). Default 16 MiB (16777216).</summary>
    public long MaxScratchBytes { get; set; } = 16L << 20;

    public EffectiveQuotas ToEffective() => new(
        MaxFuel, MaxMemoryMb, MaxTimeoutMs, MaxModuleBytes, MaxFunctions,
        InvocationsPerSecond, Burst, MaxConcurrency, MaxInputBytes, MaxOutputBytes,
        MaxVersionsPerFunction, MaxAliasesPerFunction, MaxStoredBytes, ManagementCallsPerSecond, ManagementBurst,
        HistoryRetentionHours, MaxHistoryRecords, MaxRecordingBytes, MaxAssetBytes, MaxAssetFiles, MaxScratchBytes);

    internal IEnumerable<string> Validate(string prefix)
    {
        foreach (var (field, message) in QuotaRules.Check(ToEffective().ToSet()))
            yield return $"{prefix}:{char.ToUpperInvariant(field[0])}{field[1..]} {message}.";
    }
}
