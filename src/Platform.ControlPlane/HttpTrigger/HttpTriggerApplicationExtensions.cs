using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Platform.ControlPlane.Hosting;
using Platform.Hosting.Listeners;

namespace Platform.ControlPlane.HttpTrigger;

internal static class HttpTriggerApplicationExtensions
{
    /// <summary>
    /// The HTTP trigger on the REST listener: the host form <c>{function}[--{ref}].{tenant}.{BaseDomain}</c>
    /// (when <c>Platform:Http:BaseDomain</c> is set) takes every path of its host, ahead of the API's
    /// routes; the path form is the route <c>/fn/{tenant}/{function}[@ref]/{*path}</c>, any method.
    /// </summary>
    public static WebApplication MapHttpTrigger(this WebApplication app)
    {
        var handler = ActivatorUtilities.CreateInstance<HttpTriggerHandler>(app.Services);
        var baseDomain = app.Services.GetRequiredService<IOptions<ControlPlaneOptions>>().Value.Http.BaseDomain;
        if (baseDomain is not null)
        {
            app.Use((http, next) =>
                OnRestListener(http) && HttpAddress.FromHost(http.Request.Host.Host, RawTarget(http), baseDomain) is { } address
                    ? ServeAsync(http, handler, address)
                    : next(http));
        }

        app.Map(HttpAddress.PathPrefix + "{**path}", (HttpContext http) => handler.HandleAsync(http, HttpAddress.FromPath(RawTarget(http))))
            .WithMetadata(new ListenerAffinity(ListenerNames.Rest))
            .ExcludeFromDescription();
        return app;
    }

    private static Task ServeAsync(HttpContext http, HttpTriggerHandler handler, HttpAddress address)
    {
        // The host is the function's origin: no API route answers on it.
        http.SetEndpoint(null);
        return handler.HandleAsync(http, address);
    }

    private static bool OnRestListener(HttpContext http) => Listener.Of(http) is null or ListenerNames.Rest;

    private static string RawTarget(HttpContext http) =>
        http.Features.Get<IHttpRequestFeature>()?.RawTarget is { Length: > 0 } raw
            ? raw
            : http.Request.PathBase.ToUriComponent() + http.Request.Path.ToUriComponent() + http.Request.QueryString.ToUriComponent();
}
