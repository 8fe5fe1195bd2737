using System.Diagnostics.CodeAnalysis;
using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Platform.Hosting;

/// <summary>
/// A listener URL (<c>http://host:port</c>) reduced to what Kestrel binds. One source file,
/// compiled into the control plane and the worker (neither references the other).
/// </summary>
internal sealed record ListenAddress(string Host, IPAddress? Address, int Port)
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
        var normalized = url.Replace("://*:", "://0.0.0.0:", StringComparison.Ordinal).Replace("://+:", "://0.0.0.0:", StringComparison.Ordinal);
        if (!Uri.TryCreate(normalized, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttp)
        {
            error = $"'{url}' is not an http:// URL (the platform listens in plain HTTP; terminate TLS in front of it)";
            return false;
        }

        if (uri.AbsolutePath != "/" || !string.IsNullOrEmpty(uri.Query))
        {
            error = $"'{url}' must not have a path";
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

        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttp)
        {
            error = $"'{url}' is not an http:// URL (the platform listens in plain HTTP; terminate TLS in front of it)";
            return false;
        }

        if (uri.AbsolutePath != "/" || !string.IsNullOrEmpty(uri.Query))
        {
            error = $"'{url}' must not have a path";
            return false;
        }

        error = null;
        return true;
    }

    /// <summary>Adds this address to Kestrel and returns the listener it configured.</summary>
    public ListenOptions Bind(KestrelServerOptions kestrel, Action<ListenOptions> configure)
    {
        ListenOptions? bound = null;
        void Configure(ListenOptions listen)
        {
            bound = listen;
            configure(listen);
        }

        if (IsLocalhost)
            kestrel.ListenLocalhost(Port, Configure);
        else if (IsAny)
            kestrel.ListenAnyIP(Port, Configure);
        else
            kestrel.Listen(Address ?? IPAddress.Loopback, Port, Configure);
        return bound!;
    }
}
