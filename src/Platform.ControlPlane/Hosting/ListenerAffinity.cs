using Microsoft.AspNetCore.Http;
using Platform.ControlPlane.Errors;
using Platform.Hosting.Listeners;

namespace Platform.ControlPlane.Hosting;

/// <summary>Endpoint metadata: the listener ("rest" or "grpc") an endpoint is served on.</summary>
internal sealed record ListenerAffinity(string Listener);

/// <summary>
/// Serves REST endpoints only on the REST listener and gRPC endpoints only on the gRPC listener;
/// a request that reaches an endpoint through the other listener gets 404 as if it did not exist.
/// Connections are tagged with their listener by Kestrel connection middleware.
/// </summary>
internal sealed class ListenerAffinityMiddleware(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext http)
    {
        var affinity = http.GetEndpoint()?.Metadata.GetMetadata<ListenerAffinity>();
        if (affinity is not null
            && Listener.Of(http) is { } name
            && name != affinity.Listener)
        {
            http.SetEndpoint(null);
            return ProblemWriter.WriteAsync(http, ErrorCode.NotFound, "no such route on this listener");
        }

        return next(http);
    }
}
