using System.Collections;

namespace Platform.Hosting.Telemetry;

/// <summary>
/// The logging scope of one invocation: <c>InvocationId</c> on every line written while it runs.
/// One small object per invocation instead of a dictionary; a list of pairs is the shape the
/// console and OpenTelemetry log providers read scope values from.
/// </summary>
public sealed class InvocationLogScope(string invocationId) : IReadOnlyList<KeyValuePair<string, object?>>
{
    public const string Key = "InvocationId";

    public int Count => 1;

    public KeyValuePair<string, object?> this[int index] =>
        index == 0 ? new(Key, invocationId) : throw new ArgumentOutOfRangeException(nameof(index));

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
    {
        yield return this[0];
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => $"{Key}:{invocationId}";
}
