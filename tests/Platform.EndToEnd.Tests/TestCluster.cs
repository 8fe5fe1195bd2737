using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Platform.Contracts.V1;
using Platform.ControlPlane.Cluster;

namespace Platform.EndToEnd.Tests;

/// <summary>
/// A control plane (fresh database) and workers, each a separate host on loopback, talking gRPC
/// with the cluster token. Heartbeats every 200 ms and a 2 s TTL make liveness quick to observe
/// (with a 1 s TTL a live worker once fell out of placement during a full run on this busy 2-core
/// machine).
/// </summary>
public sealed class TestCluster : IAsyncDisposable
{
    public const string ClusterToken = PlatformTestHost.DefaultClusterToken;

    public const int ReplicationFactor = 2;

    private static readonly TimeSpan LiveWait = TimeSpan.FromSeconds(20);
    private readonly ConcurrentDictionary<string, Lazy<Task<object>>> _setups = new(StringComparer.Ordinal);
    private readonly List<WorkerHost> _workers = [];

    private TestCluster(TestDatabase database, PlatformTestHost controlPlane, string root)
    {
        Database = database;
        ControlPlane = controlPlane;
        Root = root;
        Admin = controlPlane.CreateClient(controlPlane.AdminKey);
        Invocations = new InvocationService.InvocationServiceClient(controlPlane.Channel);
    }

    public TestDatabase Database { get; }

    public PlatformTestHost ControlPlane { get; }

    /// <summary>The folder holding the workers' cache folders.</summary>
    public string Root { get; }

    public HttpClient Admin { get; }

    public InvocationService.InvocationServiceClient Invocations { get; }

    public IReadOnlyList<WorkerHost> Workers => _workers;

    public ILiveWorkers Registry => ControlPlane.Services.GetRequiredService<ILiveWorkers>();

    public WorkerHost Worker(string id) => _workers.Single(w => w.Id == id);

    /// <summary>Starts the control plane and <paramref name="workers"/> workers (w1, w2, ...) and waits until all are live.</summary>
    public static async Task<TestCluster> StartAsync(PostgresFixture postgres, int workers = 3, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var database = await postgres.CreateDatabaseAsync().Within();
        var all = new Dictionary<string, string?>
        {
            ["Platform:Cluster:HeartbeatInterval"] = "00:00:00.200",
            ["Platform:Cluster:WorkerTtl"] = "00:00:02",
            ["Platform:Cluster:ReplicationFactor"] = ReplicationFactor.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
            all[key] = value;

        PlatformTestHost controlPlane;
        try
        {
            controlPlane = await PlatformTestHost.StartAsync(database.ConnectionString, all).Within(TimeSpan.FromSeconds(60));
        }
        catch
        {
            await database.DisposeAsync();
            throw;
        }

        var root = Path.Combine(Path.GetTempPath(), "platform-e2e", Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(root);
        var cluster = new TestCluster(database, controlPlane, root);
        try
        {
            var started = await Task.WhenAll(Enumerable.Range(1, workers).Select(i => WorkerHost.StartAsync(controlPlane.GrpcUri, $"w{i}", Path.Combine(root, $"w{i}"))));
            cluster._workers.AddRange(started);
            await cluster.WaitUntilLiveAsync(started.Select(w => w.Id).ToArray());
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }

        return cluster;
    }

    /// <summary>Starts a worker host with <paramref name="id"/> on its folder under <see cref="Root"/> (kept across restarts).</summary>
    public async Task<WorkerHost> StartWorkerAsync(string id)
    {
        var worker = await WorkerHost.StartAsync(ControlPlane.GrpcUri, id, Path.Combine(Root, id));
        _workers.Add(worker);
        return worker;
    }

    public async Task StopWorkerAsync(WorkerHost worker)
    {
        _workers.Remove(worker);
        await worker.StopAsync();
    }

    public Task WaitUntilLiveAsync(params string[] ids) =>
        Eventually.WaitForAsync(
            async () =>
            {
                await Registry.RefreshAsync(CancellationToken.None);
                var live = Registry.Live.Select(w => w.Id).ToHashSet(StringComparer.Ordinal);
                return ids.All(live.Contains);
            },
            LiveWait,
            $"workers {string.Join(", ", ids)} to be live");

    public Task WaitUntilGoneAsync(string id) =>
        Eventually.WaitForAsync(
            async () =>
            {
                await Registry.RefreshAsync(CancellationToken.None);
                return Registry.Live.All(w => w.Id != id);
            },
            LiveWait,
            $"worker {id} to leave placement");

    /// <summary>Live worker ids in placement order for a module: the first <see cref="ReplicationFactor"/> receive it at upload.</summary>
    public IReadOnlyList<string> Placement(string sha256) =>
        RendezvousPlacement.Rank(sha256, Registry.Live).Select(w => w.Id).ToList();

    /// <summary>The registry as GET /v1/workers shows it, for failure messages.</summary>
    public async Task<string> DescribeWorkersAsync()
    {
        using var response = await Admin.GetAsync("/v1/workers").Within();
        return $"now {DateTimeOffset.UtcNow:O}: {await response.Content.ReadAsStringAsync().Within()}";
    }

    /// <summary>Runs <paramref name="setup"/> once per cluster (deployments several tests share).</summary>
    public async Task<T> OnceAsync<T>(string key, Func<Task<T>> setup) where T : class =>
        (T)await _setups.GetOrAdd(key, _ => new Lazy<Task<object>>(async () => await setup())).Value.Within(TimeSpan.FromSeconds(120));

    public static string UniqueName(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];

    /// <summary>Creates a tenant (with quota overrides); returns its name and first key.</summary>
    public async Task<(string Name, string Key)> CreateTenantAsync(object? quotas = null, string? name = null)
    {
        name ??= UniqueName("tenant");
        using var response = await Admin.PostAsJsonAsync("/v1/tenants", new { name, quotas }).Within();
        var body = await ReadJsonAsync(response, HttpStatusCode.Created);
        return (name, body["apiKey"]!.GetValue<string>());
    }

    public HttpClient Client(string? key) => ControlPlane.CreateClient(key);

    /// <summary>PUT /v1/functions/{name}: 201 expected; returns the version document.</summary>
    public async Task<JsonObject> DeployAsync(string key, string name, HttpContent module)
    {
        using var client = Client(key);
        using var response = await client.PutAsync($"/v1/functions/{name}", module).Within();
        return await ReadJsonAsync(response, HttpStatusCode.Created);
    }

    public Task<JsonObject> DeployWatAsync(string key, string name, string wat) =>
        DeployAsync(key, name, new StringContent(wat, Encoding.UTF8, "text/plain"));

    /// <summary>Deploys a guest from build/guests with a function config (multipart).</summary>
    public Task<JsonObject> DeployGuestAsync(string key, string name, string guest, string? configJson = null)
    {
        var form = new MultipartFormDataContent();
        var module = new ByteArrayContent(GuestModules.Bytes(guest));
        module.Headers.ContentType = new MediaTypeHeaderValue("application/wasm");
        form.Add(module, "module", guest + ".wasm");
        if (configJson is not null)
            form.Add(new StringContent(configJson, Encoding.UTF8, "application/json"), "config");
        return DeployAsync(key, name, form);
    }

    /// <summary>POST /v1/functions/{target}/invoke with <paramref name="key"/> (none when null).</summary>
    public async Task<RestInvocation> InvokeAsync(string? key, string target, string input = "", TimeSpan? timeout = null)
    {
        using var client = Client(key);
        return await InvokeAsync(client, target, Encoding.UTF8.GetBytes(input), timeout);
    }

    public static async Task<RestInvocation> InvokeAsync(HttpClient client, string target, byte[] input, TimeSpan? timeout = null)
    {
        using var content = new ByteArrayContent(input);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var response = await client.PostAsync($"/v1/functions/{target}/invoke", content).Within(timeout);
        return await RestInvocation.ReadAsync(response);
    }

    /// <summary>platform.v1.InvocationService/Invoke; a failure comes back as the RpcException.</summary>
    public async Task<(InvokeResponse? Response, RpcException? Error)> GrpcInvokeAsync(string? key, string function, string reference = "", string input = "", TimeSpan? timeout = null)
    {
        var request = new InvokeRequest { Function = function, Reference = reference, Input = ByteString.CopyFromUtf8(input) };
        try
        {
            var response = await Invocations.InvokeAsync(request, PlatformTestHost.Bearer(key, timeout)).ResponseAsync.Within(timeout);
            return (response, null);
        }
        catch (RpcException ex)
        {
            return (null, ex);
        }
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
                await worker.StopAsync();
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
