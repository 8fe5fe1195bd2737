using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Platform.Contracts.V1;
using Platform.Runtime;

namespace Platform.Worker.Tests;

/// <summary>The engine most test workers share, as the dev mode's in-process workers do.</summary>
internal static class SharedEngine
{
    public static WasmEngine Instance { get; } = new(new RuntimeOptions { CacheDir = Path.Combine(Path.GetTempPath(), "platform-worker-tests", "unused") });
}

/// <summary>A worker in a real WebApplication on a free loopback port, and a gRPC client for it.</summary>
internal sealed class TestWorker : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly GrpcChannel _channel;
    private bool _stopped;

    private readonly bool _ownsCacheDir;

    private TestWorker(WebApplication app, string cacheDir, bool ownsCacheDir)
    {
        _app = app;
        _ownsCacheDir = ownsCacheDir;
        CacheDir = cacheDir;
        Uri = app.Services.GetRequiredService<WorkerListener>().Uri;
        _channel = GrpcChannel.ForAddress(Uri, new GrpcChannelOptions { MaxReceiveMessageSize = 64 << 20, MaxSendMessageSize = 64 << 20 });
        Client = CreateClient(ClusterState.Token);
    }

    public Uri Uri { get; }

    public string CacheDir { get; }

    public WorkerService.WorkerServiceClient Client { get; }

    public IServiceProvider Services => _app.Services;

    public static string NewCacheDir() => Path.Combine(Path.GetTempPath(), "platform-worker-tests", Guid.NewGuid().ToString("N"));

    /// <summary>
    /// Starts a worker. <paramref name="controlPlaneUrl"/> null: registration off. Settings in
    /// <paramref name="settings"/> are <c>Platform:</c> keys without the prefix.
    /// </summary>
    public static async Task<TestWorker> StartAsync(
        string? controlPlaneUrl = null,
        string? cacheDir = null,
        IDictionary<string, string?>? settings = null,
        bool sharedEngine = true,
        Action<WebApplicationBuilder>? configure = null)
    {
        var ownsCacheDir = cacheDir is null;
        cacheDir ??= NewCacheDir();
        var values = new Dictionary<string, string?>
        {
            ["Platform:WorkerUrl"] = "http://127.0.0.1:0",
            ["Platform:ClusterToken"] = ClusterState.Token,
            ["Platform:CacheDir"] = cacheDir,
            ["Platform:ControlPlaneUrl"] = controlPlaneUrl ?? "http://127.0.0.1:1",
            ["Platform:Register"] = controlPlaneUrl is null ? "false" : "true",
            ["Platform:HeartbeatInterval"] = "00:00:00.100",
            ["Platform:RegistrationRetryDelay"] = "00:00:00.050",
            ["Platform:RegistrationRetryMaxDelay"] = "00:00:00.250",
            ["Platform:FetchTimeout"] = "00:00:10",
            ["Platform:ControlPlaneCallTimeout"] = "00:00:05",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
            values["Platform:" + key] = value;

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(values);
        if (sharedEngine)
            builder.Services.AddSingleton(SharedEngine.Instance);
        builder.Services.AddWorker(builder.Configuration);
        configure?.Invoke(builder);
        var app = builder.Build();
        try
        {
            app.MapWorker();
            await app.StartAsync().WaitAsync(TestTimeouts.Start);
            return new TestWorker(app, cacheDir, ownsCacheDir);
        }
        catch (Exception)
        {
            await app.DisposeAsync();
            if (ownsCacheDir) DeleteCacheDir(cacheDir);
            throw;
        }
    }

    public WorkerService.WorkerServiceClient CreateClient(string? token)
    {
        var invoker = token is null
            ? _channel.CreateCallInvoker()
            : global::Grpc.Core.Interceptors.CallInvokerExtensions.Intercept(_channel.CreateCallInvoker(), metadata =>
            {
                metadata.Add(ClusterMetadata.TokenHeader, token);
                return metadata;
            });
        return new WorkerService.WorkerServiceClient(invoker);
    }

    public static DateTime Deadline() => DateTime.UtcNow + TestTimeouts.Default;

    public Task<WorkerStatus> StatusAsync() =>
        Client.StatusAsync(new WorkerStatusRequest(), deadline: Deadline()).ResponseAsync.WaitAsync(TestTimeouts.Default);

    public Task<PushModuleResponse> PushAsync(Guest guest, int chunkBytes = 16 * 1024) =>
        PushAsync(Client, guest.Sha256, guest.Bytes, guest.Bytes.Length, chunkBytes);

    public static async Task<PushModuleResponse> PushAsync(WorkerService.WorkerServiceClient client, string sha256, byte[] bytes, long announcedSize, int chunkBytes = 16 * 1024)
    {
        using var call = client.PushModule(deadline: Deadline());
        try
        {
            await call.RequestStream.WriteAsync(new PushModuleRequest { Header = new PushModuleHeader { Sha256 = sha256, SizeBytes = announcedSize } }).WaitAsync(TestTimeouts.Default);
            for (var offset = 0; offset < bytes.Length; offset += chunkBytes)
            {
                var chunk = ByteString.CopyFrom(bytes, offset, Math.Min(chunkBytes, bytes.Length - offset));
                await call.RequestStream.WriteAsync(new PushModuleRequest { Chunk = chunk }).WaitAsync(TestTimeouts.Default);
            }

            await call.RequestStream.CompleteAsync().WaitAsync(TestTimeouts.Default);
        }
        catch (RpcException)
        {
            // The worker answered early (an error); the response below carries it.
        }
        catch (InvalidOperationException)
        {
            // Writing after the call completed: same.
        }

        return await call.ResponseAsync.WaitAsync(TestTimeouts.Default);
    }

    public Task<WorkerInvokeResponse> InvokeAsync(Guest guest, string input = "", Platform.Contracts.V1.InvocationLimits? limits = null, Action<WorkerInvokeRequest>? edit = null) =>
        InvokeAsync(guest.Sha256, input, limits, edit);

    public Task<WorkerInvokeResponse> InvokeAsync(string sha256, string input = "", Platform.Contracts.V1.InvocationLimits? limits = null, Action<WorkerInvokeRequest>? edit = null)
    {
        var request = new WorkerInvokeRequest
        {
            InvocationId = Guid.NewGuid().ToString("N"),
            Tenant = "acme",
            Function = "fn",
            Version = 3,
            ModuleSha256 = sha256,
            Input = ByteString.CopyFromUtf8(input),
            Limits = limits ?? new Platform.Contracts.V1.InvocationLimits { Fuel = 100_000_000, MemoryMb = 16, TimeoutMs = 5_000, MaxOutputBytes = 1 << 20, MaxLogBytes = 64 << 10 },
        };
        edit?.Invoke(request);
        return Client.InvokeAsync(request, deadline: Deadline()).ResponseAsync.WaitAsync(TestTimeouts.Default);
    }

    /// <summary>Stops the host (the cache folder stays for a restart).</summary>
    public async Task StopAsync()
    {
        if (_stopped) return;
        _stopped = true;
        _channel.Dispose();
        await _app.StopAsync().WaitAsync(TestTimeouts.Stop);
        await _app.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        if (_ownsCacheDir) DeleteCacheDir(CacheDir);
    }

    public static void DeleteCacheDir(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
