using System.Net;
using System.Net.Sockets;

namespace Platform.Testing;

/// <summary>The one way tests pick a loopback port for a server that starts later, or for nothing to listen on.</summary>
public static class FreePort
{
    /// <summary>A loopback port that was free a moment ago; nothing listens on it when this returns.</summary>
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
