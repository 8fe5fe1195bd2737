using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Npgsql;
using Platform.ControlPlane.Auth;
using Platform.ControlPlane.Caching;
using Platform.ControlPlane.Cluster;
using Platform.ControlPlane.Database;
using Platform.ControlPlane.Functions;
using Platform.ControlPlane.Grpc;
using Platform.ControlPlane.Hosting;
using Platform.ControlPlane.Keys;
using Platform.ControlPlane.Limits;
using Platform.ControlPlane.Modules;
using Platform.ControlPlane.Tenants;
using Platform.ControlPlane.History;
using Platform.ControlPlane.Tail;
using Platform.ControlPlane.Usage;
using Platform.Runtime;
using Platform.Runtime.Compilation;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Platform.Hosting;
using Platform.Hosting.Artifacts;
using Platform.Hosting.Listeners;

namespace Platform.ControlPlane;

public static class ControlPlaneServiceCollectionExtensions
{
    /// <summary>
    /// Registers the control plane: options (validated at start), PostgreSQL data source with the
    /// retry pipeline, migrations at start-up, stores, authentication, module validation, gRPC
    /// services with health (and reflection when <c>Platform:GrpcReflection</c> is on), OpenAPI,
    /// and the three Kestrel listeners (<c>Platform:RestUrl</c>, HTTP/1.1; <c>Platform:GrpcUrl</c>
    /// and the internal <c>Platform:ClusterUrl</c>, HTTP/2 cleartext).
    /// Pair with <see cref="ControlPlaneApplicationExtensions.MapControlPlane"/>.
    /// </summary>
    public static IServiceCollection AddControlPlane(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);

        services.AddOptions<ControlPlaneOptions>()
            .Bind(configuration.GetSection(ControlPlaneOptions.SectionName))
            .PostConfigure(o => o.ConnectionString ??= configuration.GetConnectionString("Platform"))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<ControlPlaneOptions>, ControlPlaneOptionsValidator>();

        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(sp => CreateDataSourceBuilder(sp.GetRequiredService<IOptions<ControlPlaneOptions>>().Value.ConnectionString!)
            // Commands are traced only inside a request's trace: background work (registry
            // refreshes, heartbeats) would otherwise start a trace per statement.
            .ConfigureTracing(tracing => tracing
                .ConfigureCommandFilter(_ => Activity.Current is not null)
                .ConfigureBatchFilter(_ => Activity.Current is not null))
            .Build());
        services.AddSingleton<DatabaseCircuit>();
        services.AddSingleton(sp => new Db(sp.GetRequiredService<NpgsqlDataSource>(), BuildRetryPipeline(sp)));
        services.AddSingleton<MigrationRunner>();
        services.AddHostedService<MigrationHostedService>();

        services.AddSingleton<Paging.Cursors>();
        services.AddSingleton<ApiKeyStore>();
        services.AddSingleton<ApiKeyList>();
        services.AddSingleton<TenantStore>();
        services.AddSingleton<ITenantDirectory>(sp => sp.GetRequiredService<TenantStore>());
        services.AddSingleton<FunctionStore>();
        services.AddSingleton<Assets.AssetStore>();
        services.AddSingleton<IFunctionCatalog>(sp => sp.GetRequiredService<FunctionStore>());
        services.AddSingleton<Authenticator>();
        services.AddSingleton<IAuthenticator>(sp => sp.GetRequiredService<Authenticator>());
        services.TryAddSingleton<TenantLimits>();
        services.TryAddSingleton<ManagementLimits>();
        services.AddMetadataCache(configuration);

        services.AddSandboxEngine(configuration);
        services.AddCompileBudget(configuration);
        services.AddHostedService<Hosting.CompilerStartAhead>();
        services.AddArtifactSigning(configuration);
        services.TryAddSingleton(sp => new ModuleValidator(sp.GetRequiredService<WasmEngine>(), sp.GetRequiredService<IModuleCompiler>()));
        services.AddSingleton<ModuleCheck>();
        services.AddSingleton<Preinit.ModulePreinit>();
        services.AddSingleton<FunctionDeployment>();
        services.AddCluster(configuration);
        services.AddUsage(configuration);
        services.AddHistory(configuration);
        services.AddTail(configuration);
        services.AddModuleCollection(configuration);

        services.AddGrpc(o => o.Interceptors.Add<GrpcErrorInterceptor>());
        services.AddGrpcReflection();
        services.AddGrpcHealthChecks()
            .AddCheck<DatabaseHealthCheck>("database", tags: ["ready"]);
        services.AddOpenApi();

        services.AddSingleton<ControlPlaneListeners>();
        // Kestrel is configured from the raw section: validation errors surface when the host
        // starts (ValidateOnStart), with the key's name, not while the application is built.
        services.AddOptions<KestrelServerOptions>()
            .Configure<ControlPlaneListeners>((kestrel, listeners) =>
            {
                var raw = new ControlPlaneOptions();
                configuration.GetSection(ControlPlaneOptions.SectionName).Bind(raw);
                ConfigureKestrel(kestrel, raw, listeners);
            });
        return services;
    }

    private static void ConfigureKestrel(KestrelServerOptions kestrel, ControlPlaneOptions o, ControlPlaneListeners listeners)
    {
        if (o.MaxRequestBodyBytes > 0)
            kestrel.Limits.MaxRequestBodySize = o.MaxRequestBodyBytes;
        // Invalid URLs are reported by the options validator with the key's name.
        if (!ListenAddress.TryParse(o.RestUrl, out var rest, out _) || !ListenAddress.TryParse(o.GrpcUrl, out var grpc, out _)
            || !ListenAddress.TryParse(o.ClusterUrl, out var cluster, out _))
            return;
        listeners.Rest = Bind(kestrel, new Listener(ListenerNames.Rest, rest, HttpProtocols.Http1));
        listeners.Grpc = Bind(kestrel, new Listener(ListenerNames.Grpc, grpc, HttpProtocols.Http2));
        listeners.Cluster = Bind(kestrel, new Listener(ListenerNames.Cluster, cluster, HttpProtocols.Http2));
    }

    private static Listener Bind(KestrelServerOptions kestrel, Listener listener)
    {
        listener.Bind(kestrel);
        return listener;
    }

    private static NpgsqlDataSourceBuilder CreateDataSourceBuilder(string connectionString)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString)
        {
            // Npgsql's metrics label the pool with its name, which defaults to the connection
            // string: password included.
            Name = "platform",
        };

        // Every invocation runs the same few statements (the key lookup above all): prepared,
        // PostgreSQL parses and plans them once per connection (measured: 118 -> 64 µs a lookup).
        if (builder.ConnectionStringBuilder.MaxAutoPrepare == 0)
            builder.ConnectionStringBuilder.MaxAutoPrepare = 20;
        return builder;
    }

    private static ResiliencePipeline BuildRetryPipeline(IServiceProvider services)
    {
        var database = services.GetRequiredService<IOptions<ControlPlaneOptions>>().Value.Database;
        var builder = new ResiliencePipelineBuilder { TimeProvider = services.GetRequiredService<TimeProvider>() };
        var transient = new PredicateBuilder().Handle<Exception>(DbErrors.IsTransient);
        // Outside the retries: a unit of work that failed after all its retries counts once.
        if (database.CircuitBreakDuration > TimeSpan.Zero)
        {
            builder.AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                ShouldHandle = transient,
                FailureRatio = 0.5,
                MinimumThroughput = 3,
                SamplingDuration = TimeSpan.FromSeconds(10),
                BreakDuration = database.CircuitBreakDuration,
                StateProvider = services.GetRequiredService<DatabaseCircuit>().State,
            });
        }

        if (database.MaxRetryAttempts > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = transient,
                MaxRetryAttempts = database.MaxRetryAttempts,
                Delay = database.RetryBaseDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
            });
        }

        return builder.Build();
    }
}
