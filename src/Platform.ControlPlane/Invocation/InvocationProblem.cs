using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Platform.ControlPlane.Invocation;

/// <summary>The problem document of an invocation that ran but did not end OK: RFC 9457 plus what the run reported.</summary>
internal sealed record InvocationProblem(
    string Type,
    string Title,
    int Status,
    string Detail,
    string? Instance,
    string Code,
    string InvocationId,
    string Function,
    int Version,
    int? ExitCode,
    long FuelConsumed,
    double DurationMs,
    string Worker,
    string Logs,
    bool LogsTruncated)
{
    public static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
}
