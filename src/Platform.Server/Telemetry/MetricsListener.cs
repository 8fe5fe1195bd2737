using Microsoft.AspNetCore.Server.Kestrel.Core;
using Platform.Hosting.Listeners;

namespace Platform.Server.Telemetry;

/// <summary>
/// The HTTP/1.1 listener of <c>Platform:MetricsUrl</c>. Once the host has started,
/// <see cref="Uri"/> gives the bound address (with the real port when port 0 was asked).
/// </summary>
public sealed class MetricsListener(PlatformTelemetrySettings settings)
{
    private readonly Listener _listener = new(ListenerNames.Metrics, settings.MetricsListener ?? throw new InvalidOperationException("no metrics listener is configured"), HttpProtocols.Http1);

    public Uri Uri => _listener.Uri;

    internal void Bind(KestrelServerOptions kestrel) => _listener.Bind(kestrel);
}

/// <summary>The metrics listener serves <c>/metrics</c> and nothing else; no other listener serves <c>/metrics</c>.</summary>
internal sealed class MetricsListenerFilter(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext http)
    {
        var onMetricsListener = Listener.Of(http) is ListenerNames.Metrics;
        var isMetricsPath = http.Request.Path.StartsWithSegments(PlatformTelemetry.MetricsPath, StringComparison.OrdinalIgnoreCase);
        if (onMetricsListener != isMetricsPath)
        {
            http.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }

        return next(http);
    }
}
