using System.Diagnostics;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Platform.ControlPlane.Errors;

internal static class ProblemWriter
{
    public const string ContentType = "application/problem+json";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static Problem Create(HttpContext http, ErrorCode code, string detail, string? field, int? status = null) => new(
        code.ProblemType(),
        code.Title(),
        status ?? (int)code.HttpStatus(),
        detail,
        http.Request.Path.Value,
        code.WireName(),
        field,
        Activity.Current?.TraceId.ToString() ?? http.TraceIdentifier);

    public static async Task WriteAsync(HttpContext http, ErrorCode code, string detail, string? field = null, int? status = null, TimeSpan? retryAfter = null)
    {
        var response = http.Response;
        response.Clear();
        response.StatusCode = status ?? (int)code.HttpStatus();
        response.ContentType = ContentType;
        response.Headers.CacheControl = "no-store";
        if (code == ErrorCode.Unauthenticated)
            response.Headers[HeaderNames.WWWAuthenticate] = "Bearer";
        if (retryAfter is { } delay)
            response.Headers.RetryAfter = ((long)Math.Ceiling(delay.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        await JsonSerializer.SerializeAsync(response.Body, Create(http, code, detail, field, status), Json, http.RequestAborted);
    }
}
