using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Google.Protobuf;
using Grpc.Core;
using Platform.Contracts.V1;
using Platform.ControlPlane.Cluster;
using Platform.Server.Telemetry;

namespace Platform.Telemetry.Tests;

/// <summary>
/// A control plane (fresh database) with in-memory exporters and workers, each a separate host
/// built by the executable's composition root, on loopback. Listeners are process-wide, so the
/// control plane's providers also see the workers' meters and spans, as in dev mode.
/// </summary>
public sealed class TelemetryCluster : IAsyncDisposable
{
    private readonly InProcessCluster _hosts;

    private TelemetryCluster(InProcessCluster hosts, Collector collector)
    {
        _hosts = hosts;
        Collector = collector;
    }

    public PlatformTestHost ControlPlane => _hosts.ControlPlane;

    /// <summary>The control plane's in-memory exporters.</summary>
    public Collector Collector { get; }

    public IReadOnlyList<WorkerHost> Workers => _hosts.Workers;

    public ILiveWorkers Registry => _hosts.Registry;

    /// <summary>Starts the control plane and <paramref name="workers"/> workers (<paramref name="prefix"/>1, 2, ...) and waits until they are live.</summary>
    public static async Task<TelemetryCluster> StartAsync(PostgresFixture postgres, int workers, IReadOnlyDictionary<string, string?>? settings = null, string? prefix = null)
    {
        var defaults = new Dictionary<string, string?>
        {
            ["Platform:Cluster:WorkerTtl"] = "00:00:01",
            ["Platform:Cluster:ReplicationFactor"] = "1",
            ["Logging:LogLevel:Platform.ControlPlane.Invocation"] = "Debug",
            // Every trace, so that the tests find the spans of the invocations they make.
            [PlatformTelemetrySettings.TraceSampleRatioKey] = "1",
        };
        var collector = new Collector();
        var cluster = new TelemetryCluster(await InProcessCluster.StartAsync(postgres, "platform-telemetry", defaults, settings, collector.Attach), collector);
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

    /// <summary>Starts a worker (with its metrics listener) on its folder, kept across restarts, and waits until it is live.</summary>
    public async Task<WorkerHost> StartWorkerAsync(string id, params string[] extraArguments)
    {
        // Every trace on the workers too: their tracer providers share this process with the
        // control plane's, and a provider sampling less can drop a span the control plane records.
        var worker = await _hosts.StartWorkerAsync(id, metricsListener: true, [$"--{PlatformTelemetrySettings.TraceSampleRatioKey}=1", .. extraArguments]);
        await _hosts.WaitUntilLiveAsync(id);
        return worker;
    }

    public async Task StopWorkerAsync(WorkerHost worker)
    {
        await _hosts.StopWorkerAsync(worker);
        await _hosts.WaitUntilGoneAsync(worker.Id);
    }

    /// <summary>Creates a tenant (with quota overrides); returns its name and first key.</summary>
    public Task<(string Name, string Key)> CreateTenantAsync(object? quotas = null) => ApiCalls.CreateTenantAsync(_hosts.Admin, quotas);

    public HttpClient Client(string? key) => ControlPlane.CreateClient(key);

    /// <summary>Deploys WAT with an optional function config (multipart); returns the version document.</summary>
    public async Task<JsonObject> DeployAsync(string key, string name, string wat, string? configJson = null)
    {
        using var client = Client(key);
        var module = new StringContent(wat, Encoding.UTF8);
        module.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
        using var form = ApiCalls.ModuleForm(module, name + ".wat", configJson);
        return await ApiCalls.DeployAsync(client, name, form);
    }

    /// <summary>POST /v1/functions/{target}/invoke; returns the status and the Platform-Outcome header (or the problem's code).</summary>
    public async Task<(HttpStatusCode Status, string Outcome, HttpResponseMessage Response)> InvokeAsync(string key, string target, byte[]? input = null)
    {
        using var client = Client(key);
        var response = await ApiCalls.InvokeAsync(client, target, input ?? []);
        await response.Content.LoadIntoBufferAsync().Within();
        var outcome = response.Headers.TryGetValues("Platform-Outcome", out var values)
            ? values.Single()
            : ApiCalls.ProblemCode(response, await response.Content.ReadAsStringAsync().Within());
        return (response.StatusCode, outcome ?? throw new InvalidOperationException($"{(int)response.StatusCode} without an outcome or a problem code"), response);
    }

    /// <summary>platform.v1.InvocationService/Invoke; a failure comes back as the RpcException.</summary>
    public Task<(InvokeResponse? Response, RpcException? Error)> GrpcInvokeAsync(string key, string function, string input = "") =>
        ApiCalls.GrpcInvokeAsync(_hosts.Invocations, key, new InvokeRequest { Function = function, Input = ByteString.CopyFromUtf8(input) });

    /// <summary>An HttpClient for the control plane's metrics listener.</summary>
    public HttpClient MetricsClient() => _hosts.ControlPlane.CreateMetricsClient();

    /// <summary>GET /metrics on the control plane's metrics listener.</summary>
    public async Task<string> ScrapeAsync()
    {
        using var client = _hosts.ControlPlane.CreateMetricsClient();
        using var response = await client.GetAsync(PlatformTelemetry.MetricsPath).Within();
        var text = await response.Content.ReadAsStringAsync().Within();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET /metrics answered {(int)response.StatusCode}: {text}");
        return text;
    }

    public ValueTask DisposeAsync() => _hosts.DisposeAsync();
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
