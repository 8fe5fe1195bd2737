using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Platform.ControlPlane.Cluster;
using Platform.ControlPlane.Errors;
using Platform.ControlPlane.Functions;
using Platform.ControlPlane.Hosting;
using Platform.ControlPlane.HttpTrigger;
using Platform.ControlPlane.Tenants;
using Platform.ControlPlane.Usage;

namespace Platform.ControlPlane;

public static class ControlPlaneApplicationExtensions
{
    /// <summary>
    /// Maps the control plane: REST (<c>/v1/...</c>, <c>/healthz</c>, <c>/readyz</c>,
    /// <c>/openapi/v1.json</c>) on the REST listener; <c>platform.v1.TenantService</c>,
    /// <c>platform.v1.FunctionService</c>, gRPC reflection and <c>grpc.health.v1.Health</c> on the
    /// gRPC listener. Adds the problem-details error boundary and the listener filter.
    /// </summary>
    public static WebApplication MapControlPlane(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseMiddleware<ProblemMiddleware>();
        app.MapHttpTrigger();
        app.UseMiddleware<ListenerAffinityMiddleware>();

        var rest = new ListenerAffinity(ControlPlaneListeners.Rest);
        var grpc = new ListenerAffinity(ControlPlaneListeners.Grpc);
        var v1 = app.MapGroup("/v1").WithMetadata(rest);
        TenantRest.Map(v1);
        FunctionRest.Map(v1);
        app.MapCluster(v1, grpc);
        UsageRest.Map(v1);

        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false })
            .WithMetadata(rest).ExcludeFromDescription();
        app.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = check => check.Tags.Contains("ready") })
            .WithMetadata(rest).ExcludeFromDescription();
        app.MapOpenApi().WithMetadata(rest);

        app.MapGrpcService<TenantGrpcService>().WithMetadata(grpc);
        app.MapGrpcService<FunctionGrpcService>().WithMetadata(grpc);
        app.MapGrpcReflectionService().WithMetadata(grpc);
        app.MapGrpcHealthChecksService().WithMetadata(grpc);
        return app;
    }
}
