namespace Platform.ControlPlane.Functions;

/// <summary>One immutable version of a function: <see cref="Sha256"/> and <see cref="SizeBytes"/> describe the module as uploaded.</summary>
public sealed record FunctionVersionInfo(string Name, int Version, string Sha256, long SizeBytes, FunctionConfig Config, DateTimeOffset CreatedAt)
{
    /// <summary>Whether the version runs a pre-initialised snapshot of its module.</summary>
    public PreinitInfo Preinit { get; init; } = new(false, null, null, null, null);

    /// <summary>The module workers run: the snapshot when there is one.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string RunningSha256 => Preinit.Sha256 ?? Sha256;

    /// <summary><c>module</c> (WASI preview 1) or <c>component</c>.</summary>
    public string Kind { get; init; } = "module";

    /// <summary>A component's world, <c>invoke</c> or <c>http</c>; null for a module.</summary>
    public string? World { get; init; }

    /// <summary>The version's read-only files; null when it has none.</summary>
    public Assets.VersionAssets? Assets { get; init; }
}

/// <summary>
/// <c>preinit</c> of a version: <see cref="Ran"/> with the snapshot's hash, size and the fuel its
/// initialiser used; or not, with the <see cref="Reason"/>.
/// </summary>
public sealed record PreinitInfo(bool Ran, string? Sha256, long? SizeBytes, long? FuelConsumed, string? Reason)
{
    public const string Disabled = "disabled by the version's config (\"preinit\": false)";
    public const string NoInitializer = "the module exports no wizer.initialize or wizer-initialize function";

    public static PreinitInfo NotRun(FunctionConfig config) => new(false, null, null, null, config.Preinit == false ? Disabled : NoInitializer);
}

public sealed record FunctionSummary(string Name, int LatestVersion, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

/// <summary>
/// A function with one page of its versions (ascending), the cursor of the next page (null on the
/// last) and its aliases (always including <c>latest</c>; bounded by <c>maxAliasesPerFunction</c>).
/// </summary>
public sealed record FunctionDetails(
    string Name,
    int LatestVersion,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    IReadOnlyList<FunctionVersionInfo> Versions,
    IReadOnlyDictionary<string, int> Aliases,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.Never)] string? NextCursor)
{
    /// <summary>Where the latest version serves HTTP; null when it takes no HTTP requests.</summary>
    public HttpTrigger.FunctionUrls? Http { get; init; }
}

/// <summary>A stored module: canonical binary Wasm and its lowercase hex SHA-256.</summary>
public sealed record ModuleContent(string Sha256, byte[] Bytes);

/// <summary>What an invocation needs to know about <c>name[@version|alias]</c>.</summary>
public sealed record ResolvedFunction(Guid TenantId, Guid FunctionId, string Name, int Version, string ModuleSha256, long SizeBytes, FunctionConfig Config)
{
    /// <summary>SHA-256 of the version's asset bundle; null when it has none.</summary>
    public string? AssetsSha256 { get; init; }
}

/// <summary>An alias after it was set.</summary>
public sealed record FunctionAlias(string Function, string Name, int Version);
