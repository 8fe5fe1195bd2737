using System.Net;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Platform.Worker;

namespace Platform.Server.Telemetry;

/// <summary>
/// The HTTP/1.1 listener of <c>Platform:MetricsUrl</c>. Once the host has started,
/// <see cref="Uri"/> gives the bound address (with the real port when port 0 was asked).
/// </summary>
public sealed class MetricsListener
{
    /// <summary>The value of the <c>platform.listener</c> connection item on this listener's connections.</summary>
    public const string ConnectionItemValue = "metrics";

    private ListenOptions? _listen;
    private ListenEndpoint? _address;

    public Uri Uri
    {
        get
        {
            if (_listen?.EndPoint is not IPEndPoint endpoint || _address is null)
                throw new InvalidOperationException("the metrics listener is not bound yet");
            var host = _address.IsAny ? "127.0.0.1" : _address.Host;
            return new Uri($"http://{host}:{endpoint.Port}");
        }
    }

    internal void Bind(KestrelServerOptions kestrel, ListenEndpoint address)
    {
        _address = address;
        void Configure(ListenOptions listen)
        {
            _listen = listen;
            listen.Protocols = HttpProtocols.Http1;
            listen.Use(next => connection =>
            {
                connection.Items[WorkerListener.ConnectionItemKey] = ConnectionItemValue;
                return next(connection);
            });
        }

        if (address.IsLocalhost)
            kestrel.ListenLocalhost(address.Port, Configure);
        else if (address.IsAny)
            kestrel.ListenAnyIP(address.Port, Configure);
        else
            kestrel.Listen(IPAddress.Parse(address.Host.Trim('[', ']')), address.Port, Configure);
    }
}

/// <summary>The metrics listener serves <c>/metrics</c> and nothing else; no other listener serves <c>/metrics</c>.</summary>
internal sealed class MetricsListenerFilter(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext http)
    {
        var onMetricsListener = http.Features.Get<IConnectionItemsFeature>()?.Items is { } items
            && items.TryGetValue(WorkerListener.ConnectionItemKey, out var listener)
            && listener is MetricsListener.ConnectionItemValue;
        var isMetricsPath = http.Request.Path.StartsWithSegments(PlatformTelemetry.MetricsPath, StringComparison.OrdinalIgnoreCase);
        if (onMetricsListener != isMetricsPath)
        {
            http.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }

        return next(http);
    }
}
