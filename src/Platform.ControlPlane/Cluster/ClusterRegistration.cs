using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Platform.ControlPlane.Auth;
using Platform.ControlPlane.Hosting;
using Platform.Hosting;
using Platform.Hosting.InProcess;
using Platform.ControlPlane.Invocation;
using Platform.ControlPlane.Telemetry;

namespace Platform.ControlPlane.Cluster;

/// <summary>Wiring of the worker registry, placement, pushes and the invoke path.</summary>
internal static class ClusterRegistration
{
    /// <summary>The largest gRPC invoke request the control plane reads: the largest allowed input plus room for the envelope.</summary>
    public const int MaxGrpcInputBytes = (int)Quotas.QuotaRules.MaxPayloadBytesBound + (1 << 20);

    public static IServiceCollection AddCluster(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddCheckedOptions<ClusterOptions>(configuration, "Platform:Cluster", o => o.Validate())
            .PostConfigure(o => o.ClusterToken ??= configuration["Platform:ClusterToken"]);
        services.AddSingleton<WorkerRegistry>();
        services.AddSingleton<ILiveWorkers>(sp => sp.GetRequiredService<WorkerRegistry>());
        services.AddHostedService<WorkerRegistryRefresher>();
        services.AddSingleton<WorkerClients>();
        // Shared with workers only when the host was given the same instance (dev, --role all).
        services.TryAddSingleton<InProcessWorkers>();
        services.AddSingleton<WorkerCalls>();
        services.AddSingleton<WorkerBreakers>();
        services.AddSingleton<ModulePusher>();
        services.AddMetrics();
        services.AddSingleton<ControlPlaneMetrics>();
        services.AddSingleton<InvocationRouter>();
        // An invocation's input rides in one message: allow what a tenant's maxInputBytes may
        // reasonably be (gRPC's default is 4 MiB). What one caller may send is the request's body
        // limit, set from its tenant's quota once it is authenticated (CallerMiddleware).
        services.AddGrpc().AddServiceOptions<InvocationGrpcService>(o => o.MaxReceiveMessageSize = MaxGrpcInputBytes);
        return services;
    }

    public static void MapCluster(this WebApplication app, RouteGroupBuilder v1, ListenerAffinity grpc, ListenerAffinity cluster)
    {
        WorkerRest.Map(v1);
        InvocationRest.Map(v1);
        app.MapGrpcService<ClusterGrpcService>().WithMetadata(cluster, ClusterTokenRequired.Instance);
        app.MapGrpcService<InvocationGrpcService>().WithMetadata(grpc, CallerRequirement.TenantInvocation);
    }
}
