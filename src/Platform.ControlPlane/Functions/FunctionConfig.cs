namespace Platform.ControlPlane.Functions;

/// <summary>
/// A version's configuration, pinned with it. Limits left null mean "the tenant's quota at
/// invocation time"; a set limit is at most the tenant's quota when the version was created.
/// JSON: <c>{ "env": {..}, "args": [..], "fuel": n, "memoryMb": n, "timeoutMs": n, "http": { "public": b }, "record": "failures", "preinit": false, "scratch": { "maxBytes": n } }</c>.
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

    /// <summary>
    /// Which invocations keep a replay recording: <see cref="RecordModes.Failures"/> (every outcome
    /// but OK) or <see cref="RecordModes.All"/>; null is <c>"none"</c>, the default.
    /// </summary>
    public string? Record { get; init; }

    /// <summary>
    /// False: the version runs its module as uploaded even when it exports an initialiser. Null
    /// (the default) pre-initialises such a module at deploy; true is stored as null.
    /// </summary>
    public bool? Preinit { get; init; }

    /// <summary>Null (or a limit of 0): the version's invocations get no scratch directory.</summary>
    public ScratchConfig? Scratch { get; init; }

    /// <summary>Bytes of the per-invocation scratch directory; 0: none.</summary>
    public long ScratchMaxBytes => Scratch?.MaxBytes ?? 0;

    /// <summary>Whether an invocation that ended <paramref name="ok"/> keeps its recording.</summary>
    public bool Keeps(bool ok) => Record == RecordModes.All || (Record == RecordModes.Failures && !ok);
}

/// <summary>The values of a version's <c>record</c> setting.</summary>
public static class RecordModes
{
    public const string None = "none";
    public const string Failures = "failures";
    public const string All = "all";
}

/// <summary>A writable in-memory <c>/tmp</c> of at most <see cref="MaxBytes"/> for each invocation, discarded after it.</summary>
public sealed record ScratchConfig(long MaxBytes);

/// <summary>The version serves HTTP at its URLs; <see cref="Public"/> admits callers without the tenant's key.</summary>
public sealed record HttpTriggerConfig(bool Public);
