namespace Platform.ControlPlane.Functions;

/// <summary>One immutable version of a function.</summary>
public sealed record FunctionVersionInfo(string Name, int Version, string Sha256, long SizeBytes, FunctionConfig Config, DateTimeOffset CreatedAt)
{
    /// <summary><c>module</c> (WASI preview 1) or <c>component</c>.</summary>
    public string Kind { get; init; } = "module";

    /// <summary>A component's world, <c>invoke</c> or <c>http</c>; null for a module.</summary>
    public string? World { get; init; }
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
public sealed record ResolvedFunction(Guid TenantId, Guid FunctionId, string Name, int Version, string ModuleSha256, long SizeBytes, FunctionConfig Config);

/// <summary>An alias after it was set.</summary>
public sealed record FunctionAlias(string Function, string Name, int Version);
