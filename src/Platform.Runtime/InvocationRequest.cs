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

    /// <summary>
    /// Extra attributes of this run's <c>sandbox.execute</c> span (the host's worker id,
    /// invocation id, tenant, function); see <see cref="RuntimeTelemetry.Attributes"/>.
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, object?>> ActivityTags { get; init; } = [];
}
