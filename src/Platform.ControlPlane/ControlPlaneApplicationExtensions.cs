using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Platform.ControlPlane.Auth;
using Platform.ControlPlane.Cluster;
using Platform.ControlPlane.Errors;
using Platform.ControlPlane.Functions;
using Platform.ControlPlane.History;
using Platform.ControlPlane.Tail;
using Platform.ControlPlane.Hosting;
using Platform.ControlPlane.HttpTrigger;
using Platform.ControlPlane.Tenants;
using Platform.ControlPlane.Usage;
using Platform.Hosting;
using Platform.Hosting.Listeners;

namespace Platform.ControlPlane;

public static class ControlPlaneApplicationExtensions
{
    /// <summary>
    /// Maps the control plane: REST (<c>/v1/...</c>, <c>/healthz</c>, <c>/readyz</c>,
    /// <c>/openapi/v1.json</c>) on the REST listener; <c>platform.v1.TenantService</c>,
    /// <c>platform.v1.FunctionService</c>, <c>platform.v1.InvocationService</c>,
    /// <c>grpc.health.v1.Health</c> and (when <c>Platform:GrpcReflection</c> is on) reflection on
    /// the gRPC listener; <c>platform.v1.ClusterService</c> alone on the cluster listener. Adds the
    /// problem-details error boundary, the listener filter, the cluster-token gate and the
    /// authentication that runs before any body is read.
    /// </summary>
    public static WebApplication MapControlPlane(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var options = app.Services.GetRequiredService<IOptions<ControlPlaneOptions>>().Value;
        app.UseMiddleware<ProblemMiddleware>();
        app.MapHttpTrigger();
        app.UseMiddleware<ListenerAffinityMiddleware>();
        app.UseMiddleware<ClusterTokenGate>(app.Services.GetRequiredService<IOptions<ClusterOptions>>().Value.ClusterToken ?? "");
        app.UseMiddleware<CallerMiddleware>();

        var rest = new ListenerAffinity(ListenerNames.Rest);
        var grpc = new ListenerAffinity(ListenerNames.Grpc);
        var cluster = new ListenerAffinity(ListenerNames.Cluster);
        var v1 = app.MapGroup("/v1").WithMetadata(rest);
        TenantRest.Map(v1);
        FunctionRest.Map(v1);
        app.MapCluster(v1, grpc, cluster);
        UsageRest.Map(v1);
        HistoryRest.Map(v1);
        TailRest.Map(v1);

        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false })
            .WithMetadata(rest).ExcludeFromDescription();
        app.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = check => check.Tags.Contains("ready") })
            .WithMetadata(rest).ExcludeFromDescription();
        app.MapOpenApi().WithMetadata(rest);

        app.MapGrpcService<TenantGrpcService>().WithMetadata(grpc, CallerRequirement.AdminManagement);
        app.MapGrpcService<FunctionGrpcService>().WithMetadata(grpc, CallerRequirement.TenantUpload);
        app.MapGrpcService<HistoryGrpcService>().WithMetadata(grpc, CallerRequirement.TenantManagement);
        if (options.GrpcReflection)
            app.MapGrpcReflectionService().WithMetadata(grpc);
        app.MapGrpcHealthChecksService().WithMetadata(grpc);
        return app;
    }
}
