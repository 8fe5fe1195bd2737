using System.Text;

namespace Platform.ControlPlane.History;

/// <summary>An invocation record as the REST API shows it (logs as UTF-8 text).</summary>
internal sealed record InvocationView(
    string Id,
    DateTimeOffset EndedAt,
    string Function,
    int Version,
    string Trigger,
    string Outcome,
    int? ExitCode,
    string? Message,
    long FuelConsumed,
    double DurationMs,
    string Worker,
    long InputBytes,
    long OutputBytes,
    string Logs,
    bool LogsTruncated,
    bool Recorded)
{
    public static InvocationView From(InvocationRecord r) => new(
        r.Id, r.EndedAt, r.Function, r.Version, r.Trigger, r.Outcome, r.ExitCode, r.Message, r.FuelConsumed,
        r.DurationUs / 1000.0, r.Worker, r.InputBytes, r.OutputBytes, Encoding.UTF8.GetString(r.Logs), r.LogsTruncated, r.Recorded);
}

internal sealed record InvocationListResponse(
    IReadOnlyList<InvocationView> Invocations,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.Never)] string? NextCursor);
