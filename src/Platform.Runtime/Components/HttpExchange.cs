using System.Globalization;
using System.Text;
using Wasmtime.Components;

namespace Platform.Runtime.Components;

/// <summary>
/// The http world on the platform's invoke path, which speaks CGI to the HTTP trigger: the
/// request record is rebuilt from the CGI variables (<c>REQUEST_METHOD</c>, <c>PATH_INFO</c>,
/// <c>QUERY_STRING</c>, <c>CONTENT_TYPE</c>, <c>HTTP_*</c>) and the response record becomes a
/// CGI response (<c>Status:</c>, header lines, a blank line, the body), so the trigger validates
/// status and headers exactly as it does for a preview-1 function. Invoked by name (no CGI
/// variables), the request is <c>POST /</c> with the input as its body and the output is the
/// response's body alone.
/// </summary>
internal static class HttpExchange
{
    private const string GatewayInterface = "GATEWAY_INTERFACE";

    public static bool IsCgi(IReadOnlyList<KeyValuePair<string, string>> env) =>
        env.Any(pair => pair.Key == GatewayInterface && pair.Value == "CGI/1.1");

    public static ComponentValue Request(InvocationRequest request)
    {
        var env = request.Env;
        var cgi = IsCgi(env);
        string Variable(string name, string fallback) => env.LastOrDefault(pair => pair.Key == name).Value ?? fallback;
        var headers = cgi ? Headers(env) : [];
        return ComponentValue.Record(
        [
            KeyValuePair.Create("method", ComponentValue.String(cgi ? Variable("REQUEST_METHOD", "GET") : "POST")),
            KeyValuePair.Create("path", ComponentValue.String(cgi ? Variable("PATH_INFO", "/") : "/")),
            KeyValuePair.Create("query", ComponentValue.String(cgi ? Variable("QUERY_STRING", "") : "")),
            KeyValuePair.Create("headers", ComponentValues.Pairs(headers)),
            KeyValuePair.Create("body", ComponentValues.Bytes(request.Input.Span)),
        ]);
    }

    /// <summary>The output for a <c>response</c> record; null with the reason when the value is not one.</summary>
    public static (byte[]? Output, string? Error) Response(ComponentValue? response, bool cgi)
    {
        if (response is null || response.Kind != ComponentValueKind.Record)
            return (null, "`handle` did not return a response record");
        if (!response.TryGetField("status", out var statusValue) || statusValue is not { Kind: ComponentValueKind.U16 }
            || !response.TryGetField("headers", out var headersValue) || ComponentValues.ToPairs(headersValue) is not { } headers
            || !response.TryGetField("body", out var bodyValue) || ComponentValues.ToBytes(bodyValue) is not { } body)
            return (null, "`handle` returned a record that is not platform:function/http-types.response");
        if (!cgi) return (body, null);

        var head = new StringBuilder();
        head.Append(CultureInfo.InvariantCulture, $"Status: {statusValue.AsU16()}\r\n");
        foreach (var (name, value) in headers)
        {
            // A line break would smuggle a header past the trigger's validation, which sees lines.
            if (name.AsSpan().IndexOfAny('\r', '\n') >= 0 || value.AsSpan().IndexOfAny('\r', '\n') >= 0)
                return (null, $"`handle` returned a header with a line break in its name or value: `{Shown(name)}`");
            head.Append(name).Append(": ").Append(value).Append("\r\n");
        }

        head.Append("\r\n");
        var headBytes = Encoding.UTF8.GetBytes(head.ToString());
        var output = new byte[headBytes.Length + body.Length];
        headBytes.CopyTo(output, 0);
        body.CopyTo(output, headBytes.Length);
        return (output, null);
    }

    private static string Shown(string name) => (name.Length <= 64 ? name : name[..64] + "…").ReplaceLineEndings(" ");

    /// <summary>The request's headers back from their CGI variables, lower-case with dashes.</summary>
    private static List<KeyValuePair<string, string>> Headers(IReadOnlyList<KeyValuePair<string, string>> env)
    {
        var headers = new List<KeyValuePair<string, string>>();
        foreach (var (name, value) in env)
        {
            if (name == "CONTENT_TYPE") headers.Add(KeyValuePair.Create("content-type", value));
            else if (name.StartsWith("HTTP_", StringComparison.Ordinal))
                headers.Add(KeyValuePair.Create(name[5..].ToLowerInvariant().Replace('_', '-'), value));
        }

        return headers;
    }
}
