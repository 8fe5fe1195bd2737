using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;
using Platform.ControlPlane.Errors;
using Platform.ControlPlane.Functions;

namespace Platform.ControlPlane.Json;

/// <summary>
/// JSON conventions of the REST API: camelCase, nulls omitted on output, and strict input
/// (unknown members, numbers in strings, comments and trailing commas are errors).
/// </summary>
internal static class ApiJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        NumberHandling = JsonNumberHandling.Strict,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        ReadCommentHandling = JsonCommentHandling.Disallow,
        AllowTrailingCommas = false,
        MaxDepth = 16,
    };

    /// <summary>Lenient options for configuration read back from the database.</summary>
    private static readonly JsonSerializerOptions Stored = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>Reads a JSON body; malformed or mistyped input is INVALID_ARGUMENT naming the field.</summary>
    public static async Task<T> ReadBodyAsync<T>(HttpRequest request, CancellationToken cancellationToken)
        where T : class
    {
        if (request.ContentType is not null && !request.HasJsonContentType())
            throw PlatformException.InvalidArgument("Content-Type", $"expected application/json, got '{request.ContentType}'");
        return await ReadAsync<T>(request.Body, "body", cancellationToken)
            ?? throw PlatformException.InvalidArgument("body", "a JSON object is required");
    }

    public static async Task<T?> ReadAsync<T>(Stream stream, string what, CancellationToken cancellationToken)
        where T : class
    {
        try
        {
            return await JsonSerializer.DeserializeAsync<T>(stream, Options, cancellationToken);
        }
        catch (JsonException ex)
        {
            throw Malformed(ex, what);
        }
    }

    public static T? Parse<T>(ReadOnlySpan<byte> json, string what)
        where T : class
    {
        try
        {
            return JsonSerializer.Deserialize<T>(json, Options);
        }
        catch (JsonException ex)
        {
            throw Malformed(ex, what);
        }
    }

    public static string SerializeConfig(FunctionConfig config) => JsonSerializer.Serialize(config, Stored);

    public static FunctionConfig DeserializeConfig(string json) =>
        JsonSerializer.Deserialize<FunctionConfig>(json, Stored) ?? FunctionConfig.Empty;

    private static PlatformException Malformed(JsonException ex, string what)
    {
        // The path ("$.quotas.maxFuel") names the field; the exception text may name .NET types, so it stays inside.
        var path = ex.Path is { Length: > 1 } p && p.StartsWith("$.", StringComparison.Ordinal) ? p[2..] : null;
        var field = path is null ? what : what == "body" ? path : $"{what}.{path}";
        var where = ex.LineNumber is { } line ? $" (line {line + 1}, position {ex.BytePositionInLine + 1})" : "";
        var message = path is null
            ? $"the {what} is not valid JSON for this request{where}"
            : $"'{field}' is not a known field, or its value is malformed or of the wrong type{where}";
        return PlatformException.InvalidArgument(field, message);
    }
}
