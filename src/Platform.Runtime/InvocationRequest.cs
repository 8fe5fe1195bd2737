namespace Platform.Runtime;

/// <summary>One call of a function: input on stdin, args and env as the ABI describes.</summary>
public sealed record InvocationRequest
{
    public ReadOnlyMemory<byte> Input { get; init; }

    /// <summary>argv; by the ABI the first one is the function name.</summary>
    public IReadOnlyList<string> Args { get; init; } = [];

    /// <summary>The guest's whole environment: nothing of the host is added.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Env { get; init; } = [];

    public InvocationLimits Limits { get; init; } = InvocationLimits.Default;

    /// <summary>The version's read-only files, preopened as <c>/</c>; null: no asset directory.</summary>
    public Files.AssetBundle? Assets { get; init; }

    /// <summary>Host directories preopened for a local run; empty on workers.</summary>
    public IReadOnlyList<Files.DirectoryMount> Mounts { get; init; } = [];

    /// <summary>
    /// Extra attributes of this run's <c>sandbox.execute</c> span (the host's worker id,
    /// invocation id, tenant, function); see <see cref="RuntimeTelemetry.Attributes"/>.
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, object?>> ActivityTags { get; init; } = [];

    /// <summary>Keep what the host serves (clocks, random bytes) in <see cref="InvocationResult.Recording"/>, for a replay.</summary>
    public bool Record { get; init; }

    /// <summary>Serve this recording's clock readings and random bytes instead of real ones: a replay.</summary>
    public Replay.HostRecording? Replay { get; init; }

    /// <summary>Told of every clock, random, stdio and exit call as it happens (a replay's trace); null in production.</summary>
    public Action<Replay.HostCall>? Trace { get; init; }
}
