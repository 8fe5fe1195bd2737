using System.Net.Http.Headers;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Platform.ControlPlane;
using Platform.Server;
using Platform.Server.Telemetry;

namespace Platform.Testing;

/// <summary>
/// A real Platform.Server host (the same composition root as the executable) on loopback: Kestrel
/// with real sockets for REST (HTTP/1.1) and gRPC (h2c) on free ports.
/// </summary>
public sealed class PlatformTestHost : IAsyncDisposable
{
    public const string DefaultAdminKey = "test-admin-key-0123456789abcdef-0123456789";

    public const string DefaultClusterToken = "test-cluster-token-0123456789abcdef";

    private readonly WebApplication _app;
    private GrpcChannel? _channel;
    private bool _stopped;

    private PlatformTestHost(WebApplication app, string adminKey)
    {
        _app = app;
        AdminKey = adminKey;
        var listeners = app.Services.GetRequiredService<ControlPlaneListeners>();
        RestUri = listeners.RestUri;
        GrpcUri = listeners.GrpcUri;
        ClusterUri = listeners.ClusterUri;
        MetricsUri = app.Services.GetService<MetricsListener>()?.Uri;
    }

    public string AdminKey { get; }

    public Uri RestUri { get; }

    public Uri GrpcUri { get; }

    /// <summary>The internal listener the workers dial (<c>Platform:ClusterUrl</c>).</summary>
    public Uri ClusterUri { get; }

    /// <summary>The metrics listener (<c>/metrics</c>), unless a test turned it off.</summary>
    public Uri? MetricsUri { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>A gRPC channel to this host (h2c), created on first use.</summary>
    public GrpcChannel Channel => _channel ??= GrpcChannel.ForAddress(GrpcUri);

    /// <summary>Builds the host like <c>Platform.Server --role control-plane</c> and starts it.</summary>
    /// <param name="connectionString">The control plane's database.</param>
    /// <param name="settings">Extra configuration (<c>Platform:DefaultQuotas:MaxFunctions</c> = "3", ...); a null value removes a default.</param>
    public static async Task<PlatformTestHost> StartAsync(string connectionString, IReadOnlyDictionary<string, string?>? settings = null, Action<WebApplicationBuilder>? configure = null, CancellationToken cancellationToken = default)
    {
        var app = Build(connectionString, settings, configure);
        try
        {
            await app.StartAsync(cancellationToken).WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        return new PlatformTestHost(app, settings?.GetValueOrDefault("Platform:AdminKey") ?? DefaultAdminKey);
    }

    /// <summary>Builds without starting (for tests of start-up failures).</summary>
    public static WebApplication Build(string connectionString, IReadOnlyDictionary<string, string?>? settings = null, Action<WebApplicationBuilder>? configure = null)
    {
        var all = new Dictionary<string, string?>
        {
            ["role"] = "control-plane",
            ["ConnectionStrings:Platform"] = connectionString,
            ["Platform:AdminKey"] = DefaultAdminKey,
            ["Platform:ClusterToken"] = DefaultClusterToken,
            ["Platform:RestUrl"] = "http://127.0.0.1:0",
            ["Platform:GrpcUrl"] = "http://127.0.0.1:0",
            ["Platform:ClusterUrl"] = "http://127.0.0.1:0",
            ["Platform:MetricsUrl"] = "http://127.0.0.1:0",
            ["Platform:Database:RetryBaseDelay"] = "00:00:00.050",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Microsoft"] = "Error",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
            all[key] = value;
        var args = all.Where(kv => kv.Value is not null).Select(kv => $"--{kv.Key}={kv.Value}").ToArray();
        return PlatformServer.Build(args, configure);
    }

    /// <summary>An HttpClient for the metrics listener.</summary>
    public HttpClient CreateMetricsClient() =>
        new() { BaseAddress = MetricsUri ?? throw new InvalidOperationException("the host has no metrics listener"), Timeout = TestTimeouts.Default };

    /// <summary>An HttpClient for the REST listener, with <c>Authorization: Bearer</c> when a key is given.</summary>
    public HttpClient CreateClient(string? key = null)
    {
        var client = new HttpClient { BaseAddress = RestUri, Timeout = TestTimeouts.Default };
        if (key is not null)
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    /// <summary>Call options with the bearer key and a deadline.</summary>
    public static CallOptions Bearer(string? key, TimeSpan? timeout = null)
    {
        var headers = new Metadata();
        if (key is not null)
            headers.Add("authorization", $"Bearer {key}");
        return new CallOptions(headers, TestTimeouts.Deadline(timeout));
    }

    public async Task StopAsync()
    {
        if (_stopped)
            return;
        _stopped = true;
        _channel?.Dispose();
        await _app.StopAsync().WaitAsync(TimeSpan.FromSeconds(30));
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await _app.DisposeAsync();
    }
}
