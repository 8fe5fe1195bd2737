using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Platform.Contracts.V1;
using Platform.Server;
using Platform.Server.Telemetry;
using Platform.Worker;

namespace Platform.Testing.Hosts;

/// <summary>
/// One worker as its own host, built by the executable's composition root
/// (<c>Platform.Server --role worker</c>): its own WebApplication, Kestrel listener on a free
/// loopback port, sandbox engine, cache folder and worker id, heartbeating every 200 ms.
/// </summary>
public sealed class WorkerHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly GrpcChannel _channel;
    private bool _stopped;

    private WorkerHost(WebApplication app, string id, string cacheDir)
    {
        _app = app;
        Id = id;
        CacheDir = cacheDir;
        Uri = app.Services.GetRequiredService<WorkerListener>().Uri;
        MetricsUri = app.Services.GetService<MetricsListener>()?.Uri;
        _channel = GrpcChannel.ForAddress(Uri);
        Client = CreateClient(PlatformTestHost.DefaultClusterToken);
    }

    public string Id { get; }

    public string CacheDir { get; }

    public Uri Uri { get; }

    /// <summary>The metrics listener, when the worker was started with one.</summary>
    public Uri? MetricsUri { get; }

    /// <summary>A WorkerService client that carries the right cluster token.</summary>
    public WorkerService.WorkerServiceClient Client { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>Builds and starts a worker that registers with <paramref name="controlPlaneCluster"/>.</summary>
    /// <param name="metricsListener">Whether the worker serves /metrics on a free port of its own.</param>
    /// <param name="arguments">More command-line settings (<c>--Platform:MaxConcurrentInvocations=1</c>, ...).</param>
    /// <param name="configure">Runs before the worker's services are added (a shared instance, an interceptor).</param>
    public static async Task<WorkerHost> StartAsync(Uri controlPlaneCluster, string id, string cacheDir, bool metricsListener = false, IEnumerable<string>? arguments = null, Action<WebApplicationBuilder>? configure = null)
    {
        var app = PlatformServer.Build(
        [
            "--role=worker",
            $"--Platform:ClusterToken={PlatformTestHost.DefaultClusterToken}",
            $"--Platform:ControlPlaneUrl={controlPlaneCluster}",
            "--Platform:WorkerUrl=http://127.0.0.1:0",
            // Several workers share this process, and the default metrics port may be taken by anything else on the machine.
            $"--Platform:MetricsUrl={(metricsListener ? "http://127.0.0.1:0" : "none")}",
            $"--Platform:WorkerId={id}",
            $"--Platform:CacheDir={cacheDir}",
            "--Platform:HeartbeatInterval=00:00:00.200",
            "--Platform:RegistrationRetryDelay=00:00:00.050",
            "--Platform:RegistrationRetryMaxDelay=00:00:00.250",
            "--Logging:LogLevel:Default=Warning",
            "--Logging:LogLevel:Microsoft=Error",
            .. arguments ?? [],
        ], configure);
        try
        {
            await app.StartAsync().WaitAsync(TimeSpan.FromSeconds(60));
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        return new WorkerHost(app, id, cacheDir);
    }

    /// <summary>A client whose calls carry <paramref name="token"/> (none when null).</summary>
    public WorkerService.WorkerServiceClient CreateClient(string? token)
    {
        var invoker = _channel.CreateCallInvoker();
        return new WorkerService.WorkerServiceClient(token is null
            ? invoker
            : invoker.Intercept(metadata =>
            {
                metadata.Add(ClusterMetadata.TokenHeader, token);
                return metadata;
            }));
    }

    public Task<WorkerStatus> StatusAsync() =>
        Client.StatusAsync(new WorkerStatusRequest(), deadline: TestTimeouts.Deadline()).ResponseAsync.Within();

    /// <summary>Stops the host (its cache folder stays, as after a process exit).</summary>
    public async Task StopAsync()
    {
        if (_stopped)
            return;
        _stopped = true;
        _channel.Dispose();
        await _app.StopAsync().WaitAsync(TimeSpan.FromSeconds(30));
        await _app.DisposeAsync();
    }

    public ValueTask DisposeAsync() => new(StopAsync());
}
