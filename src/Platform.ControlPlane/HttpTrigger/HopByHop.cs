using Microsoft.Net.Http.Headers;

namespace Platform.ControlPlane.HttpTrigger;

/// <summary>Headers that describe one connection, not the message (RFC 9110 7.6.1): never passed between the client and the function.</summary>
internal static class HopByHop
{
    private static readonly HashSet<string> Names = new(StringComparer.OrdinalIgnoreCase)
    {
        HeaderNames.Connection,
        HeaderNames.KeepAlive,
        "Proxy-Connection",
        HeaderNames.ProxyAuthenticate,
        HeaderNames.ProxyAuthorization,
        HeaderNames.TE,
        HeaderNames.Trailer,
        HeaderNames.TransferEncoding,
        HeaderNames.Upgrade,
    };

    public static bool IsHopByHop(string name) => Names.Contains(name);
}
