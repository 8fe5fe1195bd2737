using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;

namespace Platform.Server.Telemetry;

/// <summary>An <c>http://host:port</c> listen URL: an IP address, <c>localhost</c>, or every address (<c>0.0.0.0</c>, <c>*</c>, <c>+</c>, <c>[::]</c>). Port 0 picks a free port.</summary>
public sealed record ListenEndpoint(string Host, int Port)
{
    public bool IsLocalhost => Host.Equals("localhost", StringComparison.OrdinalIgnoreCase);

    public bool IsAny => Host is "0.0.0.0" or "*" or "+" or "[::]" or "::";

    public static bool TryParse(string url, [NotNullWhen(true)] out ListenEndpoint? endpoint, [NotNullWhen(false)] out string? error)
    {
        endpoint = null;
        var text = url.Trim().TrimEnd('/');
        const string scheme = "http://";
        if (!text.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            error = $"'{url}' must be http://host:port (plain HTTP/1.1)";
            return false;
        }

        var authority = text[scheme.Length..];
        var colon = authority.LastIndexOf(':');
        if (colon <= 0 || authority.Contains('/', StringComparison.Ordinal)
            || !int.TryParse(authority[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
        {
            error = $"'{url}' must be http://host:port with a port from 0 to 65535";
            return false;
        }

        var host = authority[..colon];
        var candidate = new ListenEndpoint(host, port);
        if (!candidate.IsLocalhost && !candidate.IsAny && !IPAddress.TryParse(host.Trim('[', ']'), out _))
        {
            error = $"'{url}': the host must be an IP address, localhost, 0.0.0.0 or *";
            return false;
        }

        endpoint = candidate;
        error = null;
        return true;
    }
}
