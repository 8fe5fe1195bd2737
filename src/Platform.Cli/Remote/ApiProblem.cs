using System.Net;
using System.Text.Json;

namespace Platform.Cli.Remote;

/// <summary>
/// A failure as the platform reports it: an RFC 9457 problem document with the platform's
/// <c>code</c>, or one this tool made up in the same shape (the platform could not be reached,
/// no API key, a response without a problem document).
/// </summary>
internal sealed class ApiProblem
{
    private ApiProblem(string code, string detail, string? field, int? status, JsonElement? document)
    {
        Code = code;
        Detail = detail;
        Field = field;
        Status = status;
        Document = document;
    }

    /// <summary>The wire code: <c>NOT_FOUND</c>, <c>OUT_OF_FUEL</c>, ...</summary>
    public string Code { get; }

    public string Detail { get; }

    /// <summary>The request field at fault, for validation problems.</summary>
    public string? Field { get; }

    public int? Status { get; }

    /// <summary>The server's problem document as it came, when there was one.</summary>
    public JsonElement? Document { get; }

    public int ExitCode => ExitCodes.ForCode(Code);

    public static ApiProblem Local(string code, string detail) => new(code, detail, null, null, null);

    /// <summary>Reads a failed response's body: its problem document if it has one with a code, else a problem derived from the status.</summary>
    public static ApiProblem FromResponse(HttpStatusCode status, string? mediaType, byte[] body)
    {
        if (mediaType is "application/problem+json" or "application/json" && body.Length > 0)
        {
            try
            {
                using var document = JsonDocument.Parse(body);
                var root = document.RootElement;
                if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("code", out var code) && code.ValueKind == JsonValueKind.String)
                {
                    return new ApiProblem(
                        code.GetString()!,
                        root.String("detail") ?? root.String("title") ?? code.GetString()!,
                        root.String("field"),
                        (int)status,
                        root.Clone());
                }
            }
            catch (JsonException)
            {
                // Not a problem document after all: described from the status below.
            }
        }

        var derived = ExitCodes.CodeForStatus(status) ?? ((int)status >= 500 ? "INTERNAL" : "UNEXPECTED_RESPONSE");
        var text = System.Text.Encoding.UTF8.GetString(body.AsSpan(0, Math.Min(body.Length, 200))).Trim();
        var detail = $"the platform answered {(int)status} {status}" + (text.Length > 0 ? $": {text}" : "");
        return new ApiProblem(derived, detail, null, (int)status, null);
    }

    /// <summary>One document for --json output: the server's, or this problem in the same shape.</summary>
    public void WriteTo(Utf8JsonWriter writer)
    {
        if (Document is { } document)
        {
            document.WriteTo(writer);
            return;
        }

        writer.WriteStartObject();
        writer.WriteString("code", Code);
        writer.WriteString("detail", Detail);
        if (Status is { } status) writer.WriteNumber("status", status);
        writer.WriteEndObject();
    }

    /// <summary>The human line: <c>NOT_FOUND: function 'x' does not exist (field: name)</c>.</summary>
    public override string ToString() => Field is null ? $"{Code}: {Detail}" : $"{Code}: {Detail} (field: {Field})";
}
