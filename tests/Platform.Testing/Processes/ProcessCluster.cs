using System.Diagnostics;
using Npgsql;
using Platform.Server.Postgres;

namespace Platform.Testing.Processes;

/// <summary>
/// The platform as an operator runs it, every part its own process on loopback: a throwaway
/// PostgreSQL (a throwaway <see cref="LocalPostgres"/>), the control plane (<c>--role control-plane</c>)
/// and <c>N</c> workers (<c>--role worker</c>, ids <c>w1..wN</c>). Ports, cache folders and ids are
/// fixed at creation, so a killed part restarts as the same part. Every part can be killed
/// (SIGKILL), stopped and started again while the others keep running.
/// </summary>
public sealed class ProcessCluster : IAsyncDisposable
{
    public const string AdminKey = "cluster-admin-key-0123456789abcdef";
    public const string ClusterToken = "cluster-token-0123456789abcdef-0123456789";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(2);

    private readonly string _root;
    private readonly string[] _controlPlaneArguments;
    private readonly string[] _workerArguments;
    private readonly ChildProcess?[] _workers;

    private ProcessCluster(LocalPostgres postgres, string root, string connectionString, int workerCount, string[] controlPlaneArguments, string[] workerArguments)
    {
        Postgres = postgres;
        _root = root;
        ConnectionString = connectionString;
        _controlPlaneArguments = controlPlaneArguments;
        _workerArguments = workerArguments;
        _workers = new ChildProcess?[workerCount];
        WorkerUris = Enumerable.Range(0, workerCount).Select(_ => new Uri($"http://127.0.0.1:{FreePort.Next()}")).ToArray();
    }

    public LocalPostgres Postgres { get; }

    /// <summary>The control plane's database (<c>platform</c>).</summary>
    public string ConnectionString { get; }

    public ChildProcess? ControlPlane { get; private set; }

    public Uri RestUri { get; } = new($"http://127.0.0.1:{FreePort.Next()}");

    public Uri GrpcUri { get; } = new($"http://127.0.0.1:{FreePort.Next()}");

    /// <summary>The control plane's internal listener, which the workers dial.</summary>
    public Uri ClusterUri { get; } = new($"http://127.0.0.1:{FreePort.Next()}");

    /// <summary>The control plane's metrics listener.</summary>
    public Uri MetricsUri { get; } = new($"http://127.0.0.1:{FreePort.Next()}");

    public IReadOnlyList<Uri> WorkerUris { get; }

    public int WorkerCount => _workers.Length;

    /// <summary>The running worker <paramref name="index"/> (0-based), or null when it is not running.</summary>
    public ChildProcess? Worker(int index) => _workers[index] is { HasExited: false } worker ? worker : null;

    public static string WorkerId(int index) => $"w{index + 1}";

    public string CacheDir(int index) => Path.Combine(_root, WorkerId(index));

    /// <summary>
    /// Starts PostgreSQL and creates the <c>platform</c> database; starts nothing else (see
    /// <see cref="StartControlPlaneAsync"/> and <see cref="StartWorker"/>). Extra arguments go to
    /// every start of the control plane or of a worker (<c>--Platform:Key=value</c>).
    /// </summary>
    public static async Task<ProcessCluster> CreateAsync(int workers, IEnumerable<string>? controlPlaneArguments = null, IEnumerable<string>? workerArguments = null)
    {
        var postgres = await LocalPostgres.StartThrowawayAsync();
        try
        {
            var root = Path.Combine(Path.GetTempPath(), $"platform-cluster-{Guid.NewGuid():N}"[..36]);
            Directory.CreateDirectory(root);
            await using (var connection = new NpgsqlConnection(postgres.ConnectionString("postgres")))
            {
                await connection.OpenAsync();
                await using var create = new NpgsqlCommand("CREATE DATABASE platform", connection);
                await create.ExecuteNonQueryAsync();
            }

            var connectionString = postgres.ConnectionString("platform", maxPoolSize: 50);
            return new ProcessCluster(postgres, root, connectionString, workers, [.. controlPlaneArguments ?? []], [.. workerArguments ?? []]);
        }
        catch
        {
            await postgres.DisposeAsync();
            throw;
        }
    }

    /// <summary>PostgreSQL, the control plane and every worker, each one registered and live.</summary>
    public static async Task<ProcessCluster> StartAsync(int workers, IEnumerable<string>? controlPlaneArguments = null, IEnumerable<string>? workerArguments = null)
    {
        var cluster = await CreateAsync(workers, controlPlaneArguments, workerArguments);
        try
        {
            await cluster.StartControlPlaneAsync();
            for (var i = 0; i < workers; i++) cluster.StartWorker(i);
            using var api = cluster.AdminApi();
            await cluster.WaitForLiveWorkersAsync(api, Enumerable.Range(0, workers), StartTimeout);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>A client with the admin key (use <see cref="PlatformApi.CreateTenantAsync"/> to act as a tenant).</summary>
    public PlatformApi AdminApi() => new(RestUri, GrpcUri, AdminKey, "");

    /// <summary>Starts the control plane on its fixed ports and waits until it answers /healthz.</summary>
    public async Task<ChildProcess> StartControlPlaneAsync()
    {
        if (ControlPlane is { HasExited: false }) throw new InvalidOperationException("the control plane is running");
        if (ControlPlane is not null) await ControlPlane.DisposeAsync();
        ControlPlane = ChildProcess.Start("control plane", "dotnet",
        [
            ServerBinary.Path, "--role", "control-plane",
            $"--ConnectionStrings:Platform={ConnectionString}",
            $"--Platform:AdminKey={AdminKey}", $"--Platform:ClusterToken={ClusterToken}",
            $"--Platform:RestUrl={Url(RestUri)}", $"--Platform:GrpcUrl={Url(GrpcUri)}",
            $"--Platform:ClusterUrl={Url(ClusterUri)}", $"--Platform:MetricsUrl={Url(MetricsUri)}",
            "--Logging:LogLevel:Default=Warning",
            .. _controlPlaneArguments,
        ], workingDirectory: _root);
        using var api = AdminApi();
        await api.WaitUntilServingAsync(StartTimeout, ControlPlane);
        return ControlPlane;
    }

    /// <summary>
    /// Starts worker <paramref name="index"/> (same port, cache folder and id every time); it
    /// registers on its own. <paramref name="arguments"/> go to this start only, after the cluster's.
    /// </summary>
    public ChildProcess StartWorker(int index, IEnumerable<string>? arguments = null)
    {
        if (Worker(index) is not null) throw new InvalidOperationException($"worker {WorkerId(index)} is running");
        var worker = ChildProcess.Start($"worker {WorkerId(index)}", "dotnet",
        [
            ServerBinary.Path, "--role", "worker",
            $"--Platform:ClusterToken={ClusterToken}",
            $"--Platform:ControlPlaneUrl={Url(ClusterUri)}",
            $"--Platform:WorkerUrl={Url(WorkerUris[index])}",
            $"--Platform:CacheDir={CacheDir(index)}",
            $"--Platform:WorkerId={WorkerId(index)}",
            "--Platform:MetricsUrl=none",
            "--Logging:LogLevel:Default=Warning",
            .. _workerArguments,
            .. arguments ?? [],
        ], workingDirectory: _root);
        var previous = _workers[index];
        _workers[index] = worker;
        if (previous is not null) _ = previous.DisposeAsync().AsTask();
        return worker;
    }

    /// <summary>SIGKILL to worker <paramref name="index"/>.</summary>
    public async Task KillWorkerAsync(int index)
    {
        var worker = Worker(index) ?? throw new InvalidOperationException($"worker {WorkerId(index)} is not running");
        await worker.KillAsync();
    }

    /// <summary>SIGKILL to the control plane.</summary>
    public async Task KillControlPlaneAsync()
    {
        if (ControlPlane is not { HasExited: false } controlPlane) throw new InvalidOperationException("the control plane is not running");
        await controlPlane.KillAsync();
    }

    /// <summary>
    /// Polls <c>GET /v1/workers</c> (bounded) until every worker in <paramref name="indexes"/> is
    /// live and its row satisfies <paramref name="condition"/> (e.g. registered after a restart).
    /// </summary>
    public async Task WaitForLiveWorkersAsync(PlatformApi admin, IEnumerable<int> indexes, TimeSpan timeout, Func<WorkerRow, bool>? condition = null)
    {
        var wanted = indexes.Select(WorkerId).ToHashSet();
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            foreach (var index in indexes)
            {
                if (_workers[index] is { HasExited: true } exited) throw new InvalidOperationException($"{exited.Name} exited:\n{exited.Tail()}");
            }

            try
            {
                var rows = await admin.WorkersAsync();
                if (wanted.All(id => rows.Any(r => r.Id == id && r.Live && (condition is null || condition(r)))))
                    return;
            }
            catch (Exception ex) when (ex is HttpRequestException or InvalidOperationException or TaskCanceledException)
            {
                // The control plane is not answering yet.
            }

            if (Stopwatch.GetElapsedTime(started) > timeout)
                throw new TimeoutException($"workers {string.Join(", ", wanted)} were not live within {timeout}:\n{string.Join("\n", _workers.Where(w => w is not null).Select(w => $"{w!.Name}: {w.Tail(10)}"))}");
            await Task.Delay(100);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var worker in _workers)
        {
            if (worker is not null) await worker.DisposeAsync();
        }

        if (ControlPlane is not null) await ControlPlane.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        await Postgres.DisposeAsync();
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"could not delete {_root}: {ex.Message}");
        }
    }

    private static string Url(Uri uri) => uri.ToString().TrimEnd('/');
}
