using System.Net;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Platform.Hosting.Listeners;

/// <summary>
/// One Kestrel listener of the process (public REST, public gRPC, cluster, worker, metrics): binds
/// its <see cref="ListenAddress"/>, tags every connection it accepts with its name so endpoints can
/// refuse requests that arrive on another listener, and, once the host has started, gives its
/// bound <see cref="Uri"/> (with the real port when port 0 was asked).
/// </summary>
public sealed class Listener
{
    /// <summary>The connection item (<c>ConnectionContext.Items</c>) holding the name of the listener that accepted the connection.</summary>
    private const string ConnectionItemKey = "platform.listener";

    private ListenOptions? _bound;

    public Listener(string name, ListenAddress address, HttpProtocols protocols)
    {
        Name = name;
        Address = address;
        Protocols = protocols;
    }

    public string Name { get; }

    public ListenAddress Address { get; }

    public HttpProtocols Protocols { get; }

    /// <summary>The bound port; 0 before the host has started.</summary>
    public int Port => _bound?.EndPoint is IPEndPoint endpoint ? endpoint.Port : 0;

    /// <summary>A URL a local client can dial: every-address listeners are shown as 127.0.0.1.</summary>
    public Uri Uri
    {
        get
        {
            if (_bound?.EndPoint is not IPEndPoint endpoint)
                throw new InvalidOperationException($"the {Name} listener is not bound yet");
            var host = Address.IsAny ? "127.0.0.1" : Address.Host;
            return new Uri($"http://{host}:{endpoint.Port}");
        }
    }

    /// <summary>The name of the listener that accepted the request's connection; null for a connection no <see cref="Listener"/> accepted (a test server).</summary>
    public static string? Of(HttpContext http) =>
        http.Features.Get<IConnectionItemsFeature>()?.Items is { } items
        && items.TryGetValue(ConnectionItemKey, out var name)
            ? name as string
            : null;

    public void Bind(KestrelServerOptions kestrel)
    {
        ArgumentNullException.ThrowIfNull(kestrel);
        void Configure(ListenOptions listen)
        {
            _bound = listen;
            listen.Protocols = Protocols;
            listen.Use(next => connection =>
            {
                connection.Items[ConnectionItemKey] = Name;
                return next(connection);
            });
        }

        if (Address.IsLocalhost)
            kestrel.ListenLocalhost(Address.Port, Configure);
        else if (Address.IsAny)
            kestrel.ListenAnyIP(Address.Port, Configure);
        else
            kestrel.Listen(Address.Address ?? IPAddress.Loopback, Address.Port, Configure);
    }
}

/// <summary>The names of the platform's listeners (the connection tag each one sets).</summary>
public static class ListenerNames
{
    public const string Rest = "rest";
    public const string Grpc = "grpc";
    public const string Cluster = "cluster";
    public const string Worker = "worker";
    public const string Metrics = "metrics";
}
