using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;

namespace Platform.Hosting.Listeners;

/// <summary>
/// A listener URL, <c>http://host:port</c>, reduced to what Kestrel binds: an IP address,
/// <c>localhost</c>, or every address (<c>0.0.0.0</c>, <c>*</c>, <c>+</c>, <c>[::]</c>). The port is
/// required; 0 picks a free one. Every listener of every role is configured this way.
/// </summary>
public sealed record ListenAddress(string Host, IPAddress? Address, int Port)
{
    public bool IsLocalhost => Address is null && Host == "localhost";

    public bool IsAny => Address is null && !IsLocalhost;

    public static bool TryParse(string? url, [NotNullWhen(true)] out ListenAddress? address, [NotNullWhen(false)] out string? error)
    {
        address = null;
        if (string.IsNullOrWhiteSpace(url))
        {
            error = "a URL such as http://127.0.0.1:8080 is required";
            return false;
        }

        // "http://*:8080" and "http://+:8080" are not valid Uris; treat them as "any address".
        var normalized = url.Trim().Replace("://*:", "://0.0.0.0:", StringComparison.Ordinal).Replace("://+:", "://0.0.0.0:", StringComparison.Ordinal);
        if (!TryParseHttpUrl(url, normalized, out var uri, out error))
            return false;

        if (!HasExplicitPort(normalized))
        {
            error = $"'{url}' must be http://host:port with a port from 0 to 65535";
            return false;
        }

        var host = uri.Host;
        if (host == "localhost")
        {
            address = new ListenAddress(host, null, uri.Port);
        }
        else if (IPAddress.TryParse(host.Trim('[', ']'), out var ip))
        {
            address = ip.Equals(IPAddress.Any) || ip.Equals(IPAddress.IPv6Any)
                ? new ListenAddress(host, null, uri.Port)
                : new ListenAddress(host, ip, uri.Port);
        }
        else
        {
            error = $"'{url}': the host must be an IP address, localhost, * or 0.0.0.0";
            return false;
        }

        error = null;
        return true;
    }

    /// <summary>An http:// URL a client can dial (the control plane's, the advertised one): any host name.</summary>
    public static bool TryParseDialUrl(string? url, [NotNullWhen(false)] out string? error)
    {
        if (string.IsNullOrWhiteSpace(url))
        {
            error = "a URL such as http://127.0.0.1:8081 is required";
            return false;
        }

        return TryParseHttpUrl(url, url, out _, out error);
    }

    private static bool TryParseHttpUrl(string url, string normalized, [NotNullWhen(true)] out Uri? uri, [NotNullWhen(false)] out string? error)
    {
        if (!Uri.TryCreate(normalized, UriKind.Absolute, out uri) || uri.Scheme != Uri.UriSchemeHttp)
        {
            error = $"'{url}' is not an http:// URL (the platform listens in plain HTTP; terminate TLS in front of it)";
            uri = null;
            return false;
        }

        if (uri.AbsolutePath != "/" || !string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment) || !string.IsNullOrEmpty(uri.UserInfo))
        {
            error = $"'{url}' must not have a path";
            uri = null;
            return false;
        }

        error = null;
        return true;
    }

    /// <summary>Whether the authority ends in <c>:digits</c> (a Uri reports port 80 whether it was written or not).</summary>
    private static bool HasExplicitPort(string url)
    {
        var authority = url[(url.IndexOf("://", StringComparison.Ordinal) + 3)..].TrimEnd('/');
        var colon = authority.LastIndexOf(':');
        return colon > authority.LastIndexOf(']')
            && int.TryParse(authority.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port)
            && port <= 65535;
    }
}
