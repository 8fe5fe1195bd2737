using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;
using Platform.ControlPlane.Errors;

namespace Platform.ControlPlane.HttpTrigger;

/// <summary>
/// The CGI 1.1 variables of one request as WAGI gives them (RFC 3875 plus WAGI's <c>X_RAW_PATH_INFO</c>
/// and <c>X_FULL_URL</c>): the request line, the body's type and length, and one <c>HTTP_*</c> per
/// request header except the hop-by-hop ones and <c>Authorization</c> (the platform's key).
/// </summary>
internal static class CgiEnvironment
{
    public const string ServerSoftware = "Platform";

    public static Dictionary<string, string> Build(HttpContext http, HttpAddress address, int contentLength)
    {
        var request = http.Request;
        var pathInfo = Uri.UnescapeDataString(address.RawPath);
        if (pathInfo.Contains('\0', StringComparison.Ordinal))
            throw PlatformException.InvalidArgument("path", "the path contains an encoded NUL (%00)");

        var env = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["GATEWAY_INTERFACE"] = "CGI/1.1",
            ["SERVER_SOFTWARE"] = ServerSoftware,
            ["SERVER_PROTOCOL"] = request.Protocol,
            ["SERVER_NAME"] = request.Host.Host,
            ["SERVER_PORT"] = (request.Host.Port ?? http.Connection.LocalPort).ToString(CultureInfo.InvariantCulture),
            ["REQUEST_METHOD"] = request.Method,
            ["SCRIPT_NAME"] = address.ScriptName,
            ["PATH_INFO"] = pathInfo,
            ["X_RAW_PATH_INFO"] = address.RawPath,
            ["QUERY_STRING"] = address.RawQuery,
            ["REQUEST_URI"] = address.ScriptName + address.RawPath + (address.RawQuery.Length > 0 ? "?" + address.RawQuery : ""),
            ["X_FULL_URL"] = $"{request.Scheme}://{request.Host}{address.ScriptName}{address.RawPath}{(address.RawQuery.Length > 0 ? "?" + address.RawQuery : "")}",
            ["REMOTE_ADDR"] = Address(http.Connection.RemoteIpAddress),
            ["CONTENT_LENGTH"] = contentLength.ToString(CultureInfo.InvariantCulture),
        };
        if (!string.IsNullOrEmpty(request.ContentType))
            env["CONTENT_TYPE"] = request.ContentType;

        var connectionTokens = ConnectionTokens(request.Headers);
        foreach (var (name, values) in request.Headers)
        {
            if (!Forwarded(name, connectionTokens)) continue;
            var variable = Variable(name);
            var value = string.Join(name.Equals(HeaderNames.Cookie, StringComparison.OrdinalIgnoreCase) ? "; " : ", ", values.Where(v => v is not null));
            env[variable] = env.TryGetValue(variable, out var earlier) ? earlier + ", " + value : value;
        }

        return env;
    }

    /// <summary>Hop-by-hop (RFC 9110 7.6.1, and any the Connection header names), the platform's key, and the two CGI carries itself.</summary>
    private static bool Forwarded(string name, HashSet<string> connectionTokens) =>
        !HopByHop.IsHopByHop(name)
        && !connectionTokens.Contains(name)
        && !name.Equals(HeaderNames.Authorization, StringComparison.OrdinalIgnoreCase)
        && !name.Equals(HeaderNames.ContentType, StringComparison.OrdinalIgnoreCase)
        && !name.Equals(HeaderNames.ContentLength, StringComparison.OrdinalIgnoreCase);

    private static HashSet<string> ConnectionTokens(IHeaderDictionary headers)
    {
        var tokens = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var value in headers.Connection)
        {
            foreach (var token in (value ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                tokens.Add(token);
        }

        return tokens;
    }

    private static string Variable(string header)
    {
        var builder = new StringBuilder("HTTP_", header.Length + 5);
        foreach (var c in header)
            builder.Append(c == '-' ? '_' : char.ToUpperInvariant(c));
        return builder.ToString();
    }

    private static string Address(IPAddress? address) =>
        address is null ? string.Empty : (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address).ToString();
}
