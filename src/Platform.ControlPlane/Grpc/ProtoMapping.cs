using Google.Protobuf.WellKnownTypes;
using Platform.ControlPlane.Functions;
using Platform.ControlPlane.Keys;
using Platform.ControlPlane.Quotas;
using V1 = Platform.Contracts.V1;

namespace Platform.ControlPlane.Grpc;

/// <summary>Conversions between the domain records and the generated protobuf messages.</summary>
internal static class ProtoMapping
{
    public static QuotaSet ToQuotaSet(V1.Quotas? q) => q is null ? QuotaSet.None : new QuotaSet(
        q.HasMaxFuel ? q.MaxFuel : null,
        q.HasMaxMemoryMb ? q.MaxMemoryMb : null,
        q.HasMaxTimeoutMs ? q.MaxTimeoutMs : null,
        q.HasMaxModuleBytes ? q.MaxModuleBytes : null,
        q.HasMaxFunctions ? q.MaxFunctions : null,
        q.HasInvocationsPerSecond ? q.InvocationsPerSecond : null,
        q.HasBurst ? q.Burst : null,
        q.HasMaxConcurrency ? q.MaxConcurrency : null,
        q.HasMaxInputBytes ? q.MaxInputBytes : null,
        q.HasMaxOutputBytes ? q.MaxOutputBytes : null,
        q.HasMaxVersionsPerFunction ? q.MaxVersionsPerFunction : null,
        q.HasMaxAliasesPerFunction ? q.MaxAliasesPerFunction : null,
        q.HasMaxStoredBytes ? q.MaxStoredBytes : null,
        q.HasManagementCallsPerSecond ? q.ManagementCallsPerSecond : null,
        q.HasManagementBurst ? q.ManagementBurst : null,
        q.HasHistoryRetentionHours ? q.HistoryRetentionHours : null,
        q.HasMaxHistoryRecords ? q.MaxHistoryRecords : null,
        q.HasMaxRecordingBytes ? q.MaxRecordingBytes : null,
        q.HasMaxAssetBytes ? q.MaxAssetBytes : null,
        q.HasMaxAssetFiles ? q.MaxAssetFiles : null,
        q.HasMaxScratchBytes ? q.MaxScratchBytes : null);

    public static V1.Quotas ToProto(QuotaSet q)
    {
        var p = new V1.Quotas();
        if (q.MaxFuel is { } maxFuel) p.MaxFuel = maxFuel;
        if (q.MaxMemoryMb is { } maxMemoryMb) p.MaxMemoryMb = maxMemoryMb;
        if (q.MaxTimeoutMs is { } maxTimeoutMs) p.MaxTimeoutMs = maxTimeoutMs;
        if (q.MaxModuleBytes is { } maxModuleBytes) p.MaxModuleBytes = maxModuleBytes;
        if (q.MaxFunctions is { } maxFunctions) p.MaxFunctions = maxFunctions;
        if (q.InvocationsPerSecond is { } invocationsPerSecond) p.InvocationsPerSecond = invocationsPerSecond;
        if (q.Burst is { } burst) p.Burst = burst;
        if (q.MaxConcurrency is { } maxConcurrency) p.MaxConcurrency = maxConcurrency;
        if (q.MaxInputBytes is { } maxInputBytes) p.MaxInputBytes = maxInputBytes;
        if (q.MaxOutputBytes is { } maxOutputBytes) p.MaxOutputBytes = maxOutputBytes;
        if (q.MaxVersionsPerFunction is { } maxVersions) p.MaxVersionsPerFunction = maxVersions;
        if (q.MaxAliasesPerFunction is { } maxAliases) p.MaxAliasesPerFunction = maxAliases;
        if (q.MaxStoredBytes is { } maxStoredBytes) p.MaxStoredBytes = maxStoredBytes;
        if (q.ManagementCallsPerSecond is { } managementRate) p.ManagementCallsPerSecond = managementRate;
        if (q.ManagementBurst is { } managementBurst) p.ManagementBurst = managementBurst;
        if (q.HistoryRetentionHours is { } retention) p.HistoryRetentionHours = retention;
        if (q.MaxHistoryRecords is { } maxRecords) p.MaxHistoryRecords = maxRecords;
        if (q.MaxRecordingBytes is { } maxRecordingBytes) p.MaxRecordingBytes = maxRecordingBytes;
        if (q.MaxAssetBytes is { } maxAssetBytes) p.MaxAssetBytes = maxAssetBytes;
        if (q.MaxAssetFiles is { } maxAssetFiles) p.MaxAssetFiles = maxAssetFiles;
        if (q.MaxScratchBytes is { } maxScratchBytes) p.MaxScratchBytes = maxScratchBytes;
        return p;
    }

    public static V1.Quotas ToProto(EffectiveQuotas q) => ToProto(q.ToSet());

    public static V1.Tenant ToProto(Tenants.Tenant t) => new()
    {
        Id = t.Id.ToString(),
        Name = t.Name,
        CreatedAt = Timestamp.FromDateTimeOffset(t.CreatedAt),
        Quotas = ToProto(t.Quotas),
        QuotaOverrides = ToProto(t.QuotaOverrides),
    };

    public static V1.ApiKey ToProto(IssuedApiKey key) => new()
    {
        Id = key.Id.ToString(),
        Secret = key.Secret,
        Prefix = key.Prefix,
        CreatedAt = Timestamp.FromDateTimeOffset(key.CreatedAt),
    };

    public static V1.ApiKeyInfo ToProto(ApiKeyInfo key)
    {
        var p = new V1.ApiKeyInfo { Id = key.Id.ToString(), Prefix = key.Prefix, CreatedAt = Timestamp.FromDateTimeOffset(key.CreatedAt) };
        if (key.RevokedAt is { } revokedAt)
            p.RevokedAt = Timestamp.FromDateTimeOffset(revokedAt);
        return p;
    }

    public static FunctionConfigInput ToInput(V1.FunctionConfig? c) => c is null ? new FunctionConfigInput() : new FunctionConfigInput
    {
        Env = c.Env.ToDictionary(kv => kv.Key, kv => (string?)kv.Value, StringComparer.Ordinal),
        Args = c.Args.Select(a => (string?)a).ToList(),
        Fuel = c.HasFuel ? c.Fuel : null,
        MemoryMb = c.HasMemoryMb ? c.MemoryMb : null,
        TimeoutMs = c.HasTimeoutMs ? c.TimeoutMs : null,
        Http = c.Http is null ? null : new HttpTriggerConfigInput { Public = c.Http.Public },
        Record = c.Record,
        Preinit = c.HasPreinit ? c.Preinit : null,
        Scratch = c.Scratch is null ? null : new ScratchConfigInput { MaxBytes = c.Scratch.MaxBytes },
    };

    public static V1.FunctionConfig ToProto(FunctionConfig c)
    {
        var p = new V1.FunctionConfig { Env = { c.Env.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal) }, Args = { c.Args } };
        if (c.Fuel is { } fuel) p.Fuel = fuel;
        if (c.MemoryMb is { } memoryMb) p.MemoryMb = memoryMb;
        if (c.TimeoutMs is { } timeoutMs) p.TimeoutMs = timeoutMs;
        if (c.Http is { } http) p.Http = new V1.HttpTrigger { Public = http.Public };
        if (c.Record is { } record) p.Record = record;
        if (c.Preinit is { } preinit) p.Preinit = preinit;
        if (c.Scratch is { } scratch) p.Scratch = new V1.Scratch { MaxBytes = scratch.MaxBytes };
        return p;
    }

    public static V1.FunctionVersion ToProto(FunctionVersionInfo v) => new()
    {
        Name = v.Name,
        Version = v.Version,
        Sha256 = v.Sha256,
        SizeBytes = v.SizeBytes,
        Config = ToProto(v.Config),
        CreatedAt = Timestamp.FromDateTimeOffset(v.CreatedAt),
        Preinit = new V1.Preinit
        {
            Ran = v.Preinit.Ran,
            Sha256 = v.Preinit.Sha256 ?? "",
            SizeBytes = v.Preinit.SizeBytes ?? 0,
            FuelConsumed = v.Preinit.FuelConsumed ?? 0,
            Reason = v.Preinit.Reason ?? "",
        },
        Assets = v.Assets is { } assets ? new V1.VersionAssets { Sha256 = assets.Sha256, Bytes = assets.Bytes, Files = assets.Files } : null,
        Kind = v.Kind == "component" ? V1.FunctionKind.Component : V1.FunctionKind.Module,
        World = v.World switch
        {
            "invoke" => V1.ComponentWorld.Invoke,
            "http" => V1.ComponentWorld.Http,
            _ => V1.ComponentWorld.Unspecified,
        },
    };

    public static V1.FunctionSummary ToProto(FunctionSummary f) => new()
    {
        Name = f.Name,
        LatestVersion = f.LatestVersion,
        CreatedAt = Timestamp.FromDateTimeOffset(f.CreatedAt),
        UpdatedAt = Timestamp.FromDateTimeOffset(f.UpdatedAt),
    };

    public static V1.Function ToProto(FunctionDetails f) => new()
    {
        Name = f.Name,
        LatestVersion = f.LatestVersion,
        CreatedAt = Timestamp.FromDateTimeOffset(f.CreatedAt),
        UpdatedAt = Timestamp.FromDateTimeOffset(f.UpdatedAt),
        Versions = { f.Versions.Select(ToProto) },
        Aliases = { f.Aliases.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal) },
        NextCursor = f.NextCursor ?? "",
    };
}
