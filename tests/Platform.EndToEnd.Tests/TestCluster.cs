using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Google.Protobuf;
using Grpc.Core;
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

    /// <summary>The HTTP trigger's host form: <c>{function}.{tenant}.localhost</c>, as in <c>dev</c>.</summary>
    public const string BaseDomain = "localhost";

    private readonly ConcurrentDictionary<string, Lazy<Task<object>>> _setups = new(StringComparer.Ordinal);
    private readonly InProcessCluster _hosts;

    private TestCluster(InProcessCluster hosts) => _hosts = hosts;

    public PlatformTestHost ControlPlane => _hosts.ControlPlane;

    public HttpClient Admin => _hosts.Admin;

    public IReadOnlyList<WorkerHost> Workers => _hosts.Workers;

    public ILiveWorkers Registry => _hosts.Registry;

    public WorkerHost Worker(string id) => Workers.Single(w => w.Id == id);

    /// <summary>Starts the control plane and <paramref name="workers"/> workers (w1, w2, ...) and waits until all are live.</summary>
    public static async Task<TestCluster> StartAsync(PostgresFixture postgres, int workers = 3, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var defaults = new Dictionary<string, string?>
        {
            ["Platform:Cluster:WorkerTtl"] = "00:00:02",
            ["Platform:Cluster:ReplicationFactor"] = ReplicationFactor.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Platform:Http:BaseDomain"] = BaseDomain,
        };
        var hosts = await InProcessCluster.StartAsync(postgres, "platform-e2e", defaults, settings);
        try
        {
            var ids = Enumerable.Range(1, workers).Select(i => $"w{i}").ToArray();
            await Task.WhenAll(ids.Select(id => hosts.StartWorkerAsync(id)));
            await hosts.WaitUntilLiveAsync(ids);
        }
        catch
        {
            await hosts.DisposeAsync();
            throw;
        }

        return new TestCluster(hosts);
    }

    /// <summary>Starts a worker host with <paramref name="id"/> on its folder (kept across restarts).</summary>
    public Task<WorkerHost> StartWorkerAsync(string id) => _hosts.StartWorkerAsync(id);

    public Task StopWorkerAsync(WorkerHost worker) => _hosts.StopWorkerAsync(worker);

    public Task WaitUntilLiveAsync(params string[] ids) => _hosts.WaitUntilLiveAsync(ids);

    public Task WaitUntilGoneAsync(string id) => _hosts.WaitUntilGoneAsync(id);

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

    /// <summary>Creates a tenant (with quota overrides); returns its name and first key.</summary>
    public Task<(string Name, string Key)> CreateTenantAsync(object? quotas = null, string? name = null) =>
        ApiCalls.CreateTenantAsync(Admin, quotas, name);

    public HttpClient Client(string? key) => ControlPlane.CreateClient(key);

    /// <summary>PUT /v1/functions/{name}: 201 expected; returns the version document.</summary>
    public async Task<JsonObject> DeployAsync(string key, string name, HttpContent module)
    {
        using var client = Client(key);
        return await ApiCalls.DeployAsync(client, name, module);
    }

    public Task<JsonObject> DeployWatAsync(string key, string name, string wat) =>
        DeployAsync(key, name, new StringContent(wat, Encoding.UTF8, "text/plain"));

    /// <summary>Deploys a guest from build/guests with a function config (multipart).</summary>
    /// <summary>A guest of build/guests/ (large ones included: the wait is <see cref="TestTimeouts.Deploy"/>).</summary>
    public async Task<JsonObject> DeployGuestAsync(string key, string name, string guest, string? configJson = null)
    {
        var module = new ByteArrayContent(GuestModules.Bytes(guest));
        module.Headers.ContentType = new MediaTypeHeaderValue("application/wasm");
        using var client = Client(key);
        client.Timeout = TestTimeouts.Deploy;
        return await ApiCalls.DeployAsync(client, name, ApiCalls.ModuleForm(module, guest + ".wasm", configJson), TestTimeouts.Deploy);
    }

    /// <summary>POST /v1/functions/{target}/invoke with <paramref name="key"/> (none when null).</summary>
    public async Task<RestInvocation> InvokeAsync(string? key, string target, string input = "", TimeSpan? timeout = null)
    {
        using var client = Client(key);
        return await InvokeAsync(client, target, Encoding.UTF8.GetBytes(input), timeout);
    }

    public static async Task<RestInvocation> InvokeAsync(HttpClient client, string target, byte[] input, TimeSpan? timeout = null)
    {
        using var response = await ApiCalls.InvokeAsync(client, target, input, timeout);
        return await RestInvocation.ReadAsync(response);
    }

    /// <summary>platform.v1.InvocationService/Invoke; a failure comes back as the RpcException.</summary>
    public Task<(InvokeResponse? Response, RpcException? Error)> GrpcInvokeAsync(string? key, string function, string reference = "", string input = "", TimeSpan? timeout = null) =>
        ApiCalls.GrpcInvokeAsync(_hosts.Invocations, key, new InvokeRequest { Function = function, Reference = reference, Input = ByteString.CopyFromUtf8(input) }, timeout);

    public ValueTask DisposeAsync() => _hosts.DisposeAsync();
}
