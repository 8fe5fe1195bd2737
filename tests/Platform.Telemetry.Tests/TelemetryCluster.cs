using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Platform.Contracts.V1;
using Platform.ControlPlane.Cluster;
using Platform.Server;
using Platform.Server.Telemetry;
using Platform.Worker;

namespace Platform.Telemetry.Tests;

/// <summary>
/// A control plane (fresh database) with in-memory exporters and workers, each a separate host
/// built by the executable's composition root, on loopback. Listeners are process-wide, so the
/// control plane's providers also see the workers' meters and spans, as in dev mode.
/// </summary>
public sealed class TelemetryCluster : IAsyncDisposable
{
    public const string ClusterToken = PlatformTestHost.DefaultClusterToken;

    private static readonly TimeSpan LiveWait = TimeSpan.FromSeconds(20);
    private readonly List<TelemetryWorker> _workers = [];

    private TelemetryCluster(TestDatabase database, PlatformTestHost controlPlane, Collector collector, string root)
    {
        Database = database;
        ControlPlane = controlPlane;
        Collector = collector;
        Root = root;
        Admin = controlPlane.CreateClient(controlPlane.AdminKey);
        Invocations = new InvocationService.InvocationServiceClient(controlPlane.Channel);
    }

    public TestDatabase Database { get; }

    public PlatformTestHost ControlPlane { get; }

    /// <summary>The control plane's in-memory exporters.</summary>
    public Collector Collector { get; }

    public string Root { get; }

    public HttpClient Admin { get; }

    public InvocationService.InvocationServiceClient Invocations { get; }

    public IReadOnlyList<TelemetryWorker> Workers => _workers;

    public ILiveWorkers Registry => ControlPlane.Services.GetRequiredService<ILiveWorkers>();

    /// <summary>Starts the control plane and <paramref name="workers"/> workers (<paramref name="prefix"/>1, 2, ...) and waits until they are live.</summary>
    public static async Task<TelemetryCluster> StartAsync(PostgresFixture postgres, int workers, IReadOnlyDictionary<string, string?>? settings = null, string? prefix = null)
    {
        var database = await postgres.CreateDatabaseAsync().Within();
        var all = new Dictionary<string, string?>
        {
            ["Platform:Cluster:HeartbeatInterval"] = "00:00:00.200",
            ["Platform:Cluster:WorkerTtl"] = "00:00:01",
            ["Platform:Cluster:ReplicationFactor"] = "1",
            ["Logging:LogLevel:Platform.ControlPlane.Invocation"] = "Debug",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
            all[key] = value;

        var collector = new Collector();
        PlatformTestHost controlPlane;
        try
        {
            controlPlane = await PlatformTestHost.StartAsync(database.ConnectionString, all, collector.Attach).Within(TimeSpan.FromSeconds(60));
        }
        catch
        {
            await database.DisposeAsync();
            throw;
        }

        var root = Path.Combine(Path.GetTempPath(), "platform-telemetry", Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(root);
        var cluster = new TelemetryCluster(database, controlPlane, collector, root);
        prefix ??= "t" + Guid.NewGuid().ToString("N")[..6] + "-w";
        try
        {
            for (var i = 1; i <= workers; i++)
                await cluster.StartWorkerAsync($"{prefix}{i}");
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }

        return cluster;
    }

    /// <summary>Starts a worker with <paramref name="id"/> on its folder under <see cref="Root"/> (kept across restarts) and waits until it is live.</summary>
    public async Task<TelemetryWorker> StartWorkerAsync(string id, params string[] extraArguments)
    {
        var worker = await TelemetryWorker.StartAsync(ControlPlane.GrpcUri, id, Path.Combine(Root, id), extraArguments);
        _workers.Add(worker);
        await WaitUntilLiveAsync(id);
        return worker;
    }

    public async Task StopWorkerAsync(TelemetryWorker worker)
    {
        _workers.Remove(worker);
        await worker.DisposeAsync();
        await WaitUntilAsync(() => Registry.Live.All(w => w.Id != worker.Id), $"worker {worker.Id} to leave the live set");
    }

    public Task WaitUntilLiveAsync(string id) =>
        WaitUntilAsync(() => Registry.Live.Any(w => w.Id == id), $"worker {id} to be live");

    private async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + LiveWait;
        while (true)
        {
            await Registry.RefreshAsync(CancellationToken.None).Within();
            if (condition()) return;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"waited {LiveWait.TotalSeconds} s for {what}");
            await Task.Delay(50);
        }
    }

    public static string UniqueName(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];

    /// <summary>Creates a tenant (with quota overrides); returns its name and first key.</summary>
    public async Task<(string Name, string Key)> CreateTenantAsync(object? quotas = null)
    {
        var name = UniqueName("tenant");
        using var response = await Admin.PostAsJsonAsync("/v1/tenants", new { name, quotas }).Within();
        var body = await ReadJsonAsync(response, HttpStatusCode.Created);
        return (name, body["apiKey"]!.GetValue<string>());
    }

    public HttpClient Client(string? key) => ControlPlane.CreateClient(key);

    /// <summary>Deploys WAT with an optional function config (multipart); returns the version document.</summary>
    public async Task<JsonObject> DeployAsync(string key, string name, string wat, string? configJson = null)
    {
        using var client = Client(key);
        using var form = new MultipartFormDataContent();
        var module = new StringContent(wat, Encoding.UTF8);
        module.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
        form.Add(module, "module", name + ".wat");
        if (configJson is not null)
            form.Add(new StringContent(configJson, Encoding.UTF8, "application/json"), "config");
        using var response = await client.PutAsync($"/v1/functions/{name}", form).Within();
        return await ReadJsonAsync(response, HttpStatusCode.Created);
    }

    /// <summary>POST /v1/functions/{target}/invoke; returns the status and the Platform-Outcome header (or the problem's code).</summary>
    public async Task<(HttpStatusCode Status, string Outcome, HttpResponseMessage Response)> InvokeAsync(string key, string target, byte[]? input = null)
    {
        using var client = Client(key);
        using var content = new ByteArrayContent(input ?? []);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        var response = await client.PostAsync($"/v1/functions/{target}/invoke", content).Within();
        await response.Content.LoadIntoBufferAsync().Within();
        string outcome;
        if (response.Headers.TryGetValues("Platform-Outcome", out var values))
        {
            outcome = values.Single();
        }
        else
        {
            var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
            outcome = problem["code"]!.GetValue<string>();
        }

        return (response.StatusCode, outcome, response);
    }

    /// <summary>platform.v1.InvocationService/Invoke; a failure comes back as the RpcException.</summary>
    public async Task<(InvokeResponse? Response, RpcException? Error)> GrpcInvokeAsync(string key, string function, string input = "")
    {
        var request = new InvokeRequest { Function = function, Input = ByteString.CopyFromUtf8(input) };
        try
        {
            return (await Invocations.InvokeAsync(request, PlatformTestHost.Bearer(key)).ResponseAsync.Within(), null);
        }
        catch (RpcException ex)
        {
            return (null, ex);
        }
    }

    /// <summary>GET /metrics on the control plane's REST listener.</summary>
    public async Task<string> ScrapeAsync()
    {
        using var client = Client(null);
        using var response = await client.GetAsync(PlatformTelemetry.MetricsPath).Within();
        var text = await response.Content.ReadAsStringAsync().Within();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET /metrics answered {(int)response.StatusCode}: {text}");
        return text;
    }

    public static async Task<JsonObject> ReadJsonAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync().Within();
        Assert.True(response.StatusCode == expected, $"expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text)!.AsObject();
    }

    public async ValueTask DisposeAsync()
    {
        Admin.Dispose();
        foreach (var worker in _workers.ToList())
        {
            try
            {
                await worker.DisposeAsync();
            }
            catch (Exception ex) when (ex is TimeoutException or OperationCanceledException or InvalidOperationException)
            {
                // Keep stopping the others.
            }
        }

        _workers.Clear();
        await ControlPlane.DisposeAsync();
        await Database.DisposeAsync();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Temp folder; left behind.
        }
    }
}

/// <summary>One worker host (<c>Platform.Server --role worker</c>) with its metrics listener on a free port.</summary>
public sealed class TelemetryWorker : IAsyncDisposable
{
    private readonly WebApplication _app;
    private bool _stopped;

    private TelemetryWorker(WebApplication app, string id, string cacheDir)
    {
        _app = app;
        Id = id;
        CacheDir = cacheDir;
        Uri = app.Services.GetRequiredService<WorkerListener>().Uri;
        MetricsUri = app.Services.GetRequiredService<MetricsListener>().Uri;
    }

    public string Id { get; }

    public string CacheDir { get; }

    public Uri Uri { get; }

    public Uri MetricsUri { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<TelemetryWorker> StartAsync(Uri controlPlaneGrpc, string id, string cacheDir, IEnumerable<string> extraArguments)
    {
        var app = PlatformServer.Build(
        [
            "--role=worker",
            $"--Platform:ClusterToken={TelemetryCluster.ClusterToken}",
            $"--Platform:ControlPlaneUrl={controlPlaneGrpc}",
            "--Platform:WorkerUrl=http://127.0.0.1:0",
            "--Platform:MetricsUrl=http://127.0.0.1:0",
            $"--Platform:WorkerId={id}",
            $"--Platform:CacheDir={cacheDir}",
            "--Platform:HeartbeatInterval=00:00:00.200",
            "--Platform:RegistrationRetryDelay=00:00:00.050",
            "--Platform:RegistrationRetryMaxDelay=00:00:00.250",
            "--Logging:LogLevel:Default=Warning",
            "--Logging:LogLevel:Microsoft=Error",
            .. extraArguments,
        ]);
        try
        {
            await app.StartAsync().WaitAsync(TimeSpan.FromSeconds(60));
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        return new TelemetryWorker(app, id, cacheDir);
    }

    /// <summary>A WorkerService client carrying the cluster token.</summary>
    public WorkerService.WorkerServiceClient CreateClient(Grpc.Net.Client.GrpcChannel channel) =>
        new(channel.Intercept(metadata =>
        {
            metadata.Add(ClusterMetadata.TokenHeader, TelemetryCluster.ClusterToken);
            return metadata;
        }));

    public async ValueTask DisposeAsync()
    {
        if (_stopped)
            return;
        _stopped = true;
        await _app.StopAsync().WaitAsync(TimeSpan.FromSeconds(30));
        await _app.DisposeAsync();
    }
}

/// <summary>The PostgreSQL server and the cluster most tests share (tenants keep them apart).</summary>
public sealed class TelemetryEnvironment : IAsyncLifetime
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private TelemetryCluster? _shared;

    public PostgresFixture Postgres { get; } = new();

    public Task InitializeAsync() => Postgres.InitializeAsync();

    /// <summary>A control plane and two workers, started on first use.</summary>
    public async Task<TelemetryCluster> SharedClusterAsync()
    {
        await _gate.WaitAsync().Within(TimeSpan.FromSeconds(120));
        try
        {
            return _shared ??= await TelemetryCluster.StartAsync(Postgres, workers: 2);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// A cluster of the test's own, after stopping the shared one: the live-workers gauge has no
    /// labels, and two control planes in one process would both report it. Dispose it at the end
    /// of the test; the shared cluster starts again when next asked for.
    /// </summary>
    public async Task<TelemetryCluster> DedicatedClusterAsync(int workers, IReadOnlyDictionary<string, string?>? settings = null, string? prefix = null)
    {
        await _gate.WaitAsync().Within(TimeSpan.FromSeconds(120));
        try
        {
            if (_shared is not null)
            {
                await _shared.DisposeAsync();
                _shared = null;
            }

            return await TelemetryCluster.StartAsync(Postgres, workers, settings, prefix);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task DisposeAsync()
    {
        if (_shared is not null)
            await _shared.DisposeAsync();
        await Postgres.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class TelemetryCollection : ICollectionFixture<TelemetryEnvironment>
{
    public const string Name = "telemetry";
}

internal static class Invariant
{
    public static string Format(long value) => value.ToString(CultureInfo.InvariantCulture);
}
