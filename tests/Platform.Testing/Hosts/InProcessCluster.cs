using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Platform.Contracts.V1;
using Platform.ControlPlane.Cluster;

namespace Platform.Testing.Hosts;

/// <summary>
/// A control plane and <see cref="WorkerHost"/>s in this process on loopback, talking gRPC with the
/// cluster token; each worker's cache folder is <see cref="Root"/>/id, so it survives a restart.
/// Disposing stops the workers, the control plane and the database it made, and deletes
/// <see cref="Root"/>.
/// </summary>
public sealed class InProcessCluster : IAsyncDisposable
{
    /// <summary>How long a worker may take to enter or leave the control plane's live set.</summary>
    public static readonly TimeSpan LiveWait = TimeSpan.FromSeconds(20);

    private readonly TestDatabase? _database;
    private readonly List<WorkerHost> _workers = [];
    private readonly Lock _workersGate = new();

    private InProcessCluster(TestDatabase? database, PlatformTestHost controlPlane, string root)
    {
        _database = database;
        ControlPlane = controlPlane;
        Root = root;
        Admin = controlPlane.CreateClient(controlPlane.AdminKey);
        Invocations = new InvocationService.InvocationServiceClient(controlPlane.Channel);
    }

    private const string SigningKeyPathKey = "Platform:Artifacts:SigningKeyPath";

    public PlatformTestHost ControlPlane { get; }

    /// <summary>The control plane's artifact signing key; its public key (<c>.pub</c>) is trusted by every worker started here. Null: none.</summary>
    public string? SigningKeyPath { get; private init; }

    /// <summary>The folder holding the workers' cache folders.</summary>
    public string Root { get; }

    public HttpClient Admin { get; }

    public InvocationService.InvocationServiceClient Invocations { get; }

    public IReadOnlyList<WorkerHost> Workers => _workers;

    public ILiveWorkers Registry => ControlPlane.Services.GetRequiredService<ILiveWorkers>();

    /// <summary>Starts the control plane on a fresh database of <paramref name="postgres"/>, dropped at dispose.</summary>
    /// <param name="folder">The temp folder under which this cluster's <see cref="Root"/> is made.</param>
    /// <param name="defaults">The caller's control-plane settings.</param>
    /// <param name="settings">A test's own settings, which win over <paramref name="defaults"/> (a null value removes one).</param>
    public static async Task<InProcessCluster> StartAsync(PostgresFixture postgres, string folder, IReadOnlyDictionary<string, string?> defaults, IReadOnlyDictionary<string, string?>? settings, Action<WebApplicationBuilder>? configure = null)
    {
        var database = await postgres.CreateDatabaseAsync().Within();
        try
        {
            return await StartAsync(database.ConnectionString, database, folder, defaults, settings, configure);
        }
        catch
        {
            await database.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts the control plane on the caller's database (the other parameters as above).</summary>
    public static Task<InProcessCluster> StartAsync(string connectionString, string folder, IReadOnlyDictionary<string, string?> defaults, IReadOnlyDictionary<string, string?>? settings, Action<WebApplicationBuilder>? configure = null) =>
        StartAsync(connectionString, database: null, folder, defaults, settings, configure);

    private static async Task<InProcessCluster> StartAsync(string connectionString, TestDatabase? database, string folder, IReadOnlyDictionary<string, string?> defaults, IReadOnlyDictionary<string, string?>? settings, Action<WebApplicationBuilder>? configure)
    {
        var root = Path.Combine(Path.GetTempPath(), folder, Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(root);
        // The workers' heartbeat interval (WorkerHost), and a signing key the workers trust (as an operator configures them).
        var all = new Dictionary<string, string?>
        {
            ["Platform:Cluster:HeartbeatInterval"] = "00:00:00.200",
            [SigningKeyPathKey] = Path.Combine(root, "artifact-signing.pem"),
        };
        foreach (var (key, value) in defaults.Concat(settings ?? new Dictionary<string, string?>()))
            all[key] = value;

        var controlPlane = await PlatformTestHost.StartAsync(connectionString, all, configure).Within(TimeSpan.FromSeconds(60));
        return new InProcessCluster(database, controlPlane, root) { SigningKeyPath = all[SigningKeyPathKey] };
    }

    /// <summary>Starts a worker host (see <see cref="WorkerHost.StartAsync"/>) with <paramref name="id"/> on its folder under <see cref="Root"/>; does not wait until it is live.</summary>
    public async Task<WorkerHost> StartWorkerAsync(string id, bool metricsListener = false, IEnumerable<string>? arguments = null, Action<WebApplicationBuilder>? configure = null)
    {
        IEnumerable<string> trust = SigningKeyPath is null ? [] : [$"--Platform:Artifacts:TrustedPublicKeyPaths:0={SigningKeyPath}.pub"];
        var worker = await WorkerHost.StartAsync(ControlPlane.ClusterUri, id, Path.Combine(Root, id), metricsListener, [.. trust, .. arguments ?? []], configure);
        // Workers may be started side by side.
        lock (_workersGate)
            _workers.Add(worker);
        return worker;
    }

    /// <summary>Stops a worker host; it stays in the live set until its TTL passes.</summary>
    public async Task StopWorkerAsync(WorkerHost worker)
    {
        lock (_workersGate)
            _workers.Remove(worker);
        await worker.StopAsync();
    }

    public Task WaitUntilLiveAsync(params string[] ids) =>
        WaitUntilAsync(live => ids.All(id => live.Any(w => w.Id == id)), $"workers {string.Join(", ", ids)} to be live");

    public Task WaitUntilGoneAsync(string id) =>
        WaitUntilAsync(live => live.All(w => w.Id != id), $"worker {id} to leave the live set");

    /// <summary>Polls the registry, refreshed from the database each time rather than on its timer.</summary>
    private Task WaitUntilAsync(Func<IReadOnlyList<WorkerInfo>, bool> condition, string what) =>
        Eventually.WaitForAsync(
            async () =>
            {
                await Registry.RefreshAsync(CancellationToken.None).Within();
                return condition(Registry.Live);
            },
            LiveWait,
            what);

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
        if (_database is not null)
            await _database.DisposeAsync();
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
