namespace Platform.ControlPlane.Functions;

/// <summary>
/// A version's configuration, pinned with it. Limits left null mean "the tenant's quota at
/// invocation time"; a set limit is at most the tenant's quota when the version was created.
/// JSON: <c>{ "env": {..}, "args": [..], "fuel": n, "memoryMb": n, "timeoutMs": n, "http": { "public": b } }</c>.
/// </summary>
public sealed record FunctionConfig
{
    public static FunctionConfig Empty { get; } = new();

    public IReadOnlyDictionary<string, string> Env { get; init; } = new Dictionary<string, string>();

    public IReadOnlyList<string> Args { get; init; } = [];

    public long? Fuel { get; init; }

    public int? MemoryMb { get; init; }

    public int? TimeoutMs { get; init; }

    /// <summary>Null: the version takes no HTTP requests (its URLs answer 404).</summary>
    public HttpTriggerConfig? Http { get; init; }
}

/// <summary>The version serves HTTP at its URLs; <see cref="Public"/> admits callers without the tenant's key.</summary>
public sealed record HttpTriggerConfig(bool Public);
