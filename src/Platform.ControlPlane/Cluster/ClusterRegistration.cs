using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Platform.ControlPlane.Hosting;
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
        services.AddOptions<ClusterOptions>()
            .Bind(configuration.GetSection("Platform:Cluster"))
            .PostConfigure(o => o.ClusterToken ??= configuration["Platform:ClusterToken"])
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<ClusterOptions>, ClusterOptionsValidator>();
        services.AddSingleton<WorkerRegistry>();
        services.AddSingleton<ILiveWorkers>(sp => sp.GetRequiredService<WorkerRegistry>());
        services.AddHostedService<WorkerRegistryRefresher>();
        services.AddSingleton<WorkerClients>();
        services.AddSingleton<WorkerBreakers>();
        services.AddSingleton<ModulePusher>();
        services.AddHostedService(sp => sp.GetRequiredService<ModulePusher>());
        services.AddMetrics();
        services.AddSingleton<ControlPlaneMetrics>();
        services.AddSingleton<InvocationRouter>();
        services.AddSingleton<ClusterTokenInterceptor>();
        services.AddGrpc().AddServiceOptions<ClusterGrpcService>(o => o.Interceptors.Add<ClusterTokenInterceptor>());
        // An invocation's input rides in one message: allow what a tenant's maxInputBytes may
        // reasonably be (gRPC's default is 4 MiB); the quota itself is checked after authentication.
        services.AddGrpc().AddServiceOptions<InvocationGrpcService>(o => o.MaxReceiveMessageSize = MaxGrpcInputBytes);
        return services;
    }

    public static void MapCluster(this WebApplication app, RouteGroupBuilder v1, ListenerAffinity grpc)
    {
        WorkerRest.Map(v1);
        InvocationRest.Map(v1);
        app.MapGrpcService<ClusterGrpcService>().WithMetadata(grpc);
        app.MapGrpcService<InvocationGrpcService>().WithMetadata(grpc, new RequestSizeLimit(MaxGrpcInputBytes + (64L << 10)));
    }

    private sealed class ClusterOptionsValidator : IValidateOptions<ClusterOptions>
    {
        public ValidateOptionsResult Validate(string? name, ClusterOptions options)
        {
            var failures = options.Validate().ToList();
            return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
        }
    }

    /// <summary>Lifts Kestrel's global body limit (1 MiB) for the gRPC invoke endpoint only.</summary>
    private sealed class RequestSizeLimit(long limit) : Microsoft.AspNetCore.Http.Metadata.IRequestSizeLimitMetadata
    {
        public long? MaxRequestBodySize => limit;
    }
}
