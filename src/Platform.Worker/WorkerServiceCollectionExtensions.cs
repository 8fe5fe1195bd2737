using System.Net;
using Grpc.AspNetCore.Server;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Platform.Hosting.Artifacts;
using Platform.Runtime;
using Platform.Runtime.Artifacts;
using Platform.Runtime.Compilation;
using Platform.Worker.Cluster;
using Platform.Worker.Grpc;
using Platform.Worker.Hosting;
using Platform.Worker.Invocation;
using Platform.Worker.Modules;
using Platform.Worker.Telemetry;
using Platform.Worker.WarmUp;
using Platform.Hosting;
using Platform.Hosting.InProcess;
using Platform.Hosting.Listeners;

namespace Platform.Worker;

public static class WorkerServiceCollectionExtensions
{
    /// <summary>
    /// Registers a worker: <see cref="WorkerOptions"/> (section <c>Platform</c>, validated at
    /// start), the artifact cache in <c>Platform:CacheDir</c>, the WorkerService gRPC service
    /// behind the cluster-token gate, registration and heartbeats with the control plane, and a
    /// Kestrel listener on <c>Platform:WorkerUrl</c> (HTTP/2 cleartext). Pair with
    /// <see cref="WorkerEndpointRouteBuilderExtensions.MapWorker"/>.
    /// <para>
    /// The <see cref="WasmEngine"/>, <see cref="FunctionExecutor"/> and <see cref="TimeProvider"/>
    /// are added only if the host has not registered them: a process that runs several workers
    /// (one host each) registers one engine instance in each (<c>services.AddSingleton(engine)</c>,
    /// which the host then owns and disposes) before calling this, and gives each worker its own
    /// <c>Platform:CacheDir</c> and <c>Platform:WorkerUrl</c>. Otherwise the worker creates the
    /// engine from <c>Platform:Runtime:*</c> (<see cref="SandboxEngineRegistration"/>).
    /// </para>
    /// <para>
    /// The worker lists itself in the host's <see cref="InProcessWorkers"/> while it runs; a control
    /// plane given the same instance (<c>dev</c>, or one host with both roles) invokes it directly.
    /// </para>
    /// </summary>
    public static IServiceCollection AddWorker(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);

        services.AddOptions<WorkerOptions>()
            .Bind(configuration.GetSection(WorkerOptions.SectionName))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<WorkerOptions>, WorkerOptionsValidator>();

        services.TryAddSingleton(TimeProvider.System);
        services.AddSandboxEngine(configuration);
        services.TryAddSingleton(sp => new FunctionExecutor(sp.GetRequiredService<WasmEngine>()));

        services.AddSingleton<WorkerDirectory>();
        services.AddMetrics();
        services.AddSingleton<WorkerMetrics>();
        services.AddCompileBudget(configuration);
        services.TryAddSingleton(_ => ArtifactRegistration.Bind(configuration));
        services.AddArtifactVerifier(configuration);
        services.AddSingleton(sp => new ArtifactCache(sp.GetRequiredService<WasmEngine>(), sp.GetRequiredService<IModuleCompiler>(), sp.GetRequiredService<WorkerDirectory>().ArtifactsPath)
        {
            Observer = sp.GetRequiredService<WorkerMetrics>(),
            Verifier = sp.GetRequiredService<ArtifactVerifier>(),
        });
        services.AddSingleton<ControlPlaneClient>();
        services.AddSingleton<ModuleStore>();
        services.AddSingleton<Assets.AssetCache>();
        services.AddSingleton<InvocationGate>();
        services.AddSingleton<SandboxThreads>();
        services.AddSingleton<WorkerInvoker>();
        // Shared with a control plane only when the host was given the same instance (dev, --role all).
        services.TryAddSingleton<InProcessWorkers>();
        services.AddHostedService<InProcessListing>();
        services.AddSingleton<WorkerListener>();
        services.TryAddSingleton(WarmUpModule.Echo);
        services.AddSingleton<InvokePathWarmUp>();
        services.AddSingleton<RegistrationService>();
        services.AddHostedService(sp => sp.GetRequiredService<RegistrationService>());

        services.AddGrpc();
        services.AddOptions<GrpcServiceOptions<WorkerGrpcService>>()
            .Configure<IOptions<WorkerOptions>>((grpc, worker) =>
            {
                grpc.MaxReceiveMessageSize = worker.Value.MaxReceiveMessageBytes;
                // Output is bounded by each invocation's max_output_bytes.
                grpc.MaxSendMessageSize = null;
            });

        services.AddOptions<KestrelServerOptions>()
            .Configure<IOptions<WorkerOptions>, WorkerListener>(ConfigureKestrel);
        return services;
    }

    private static void ConfigureKestrel(KestrelServerOptions kestrel, IOptions<WorkerOptions> options, WorkerListener listener)
    {
        // An invalid URL is reported by the options validator with the key's name.
        if (!ListenAddress.TryParse(options.Value.WorkerUrl, out var address, out _))
            return;
        listener.Listener = new Listener(ListenerNames.Worker, address, HttpProtocols.Http2);
        listener.Listener.Bind(kestrel);
    }
}
