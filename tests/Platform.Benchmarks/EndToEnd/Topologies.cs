using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Npgsql;
using Platform.Testing;

namespace Platform.Benchmarks.EndToEnd;

internal static class ServerBinary
{
    /// <summary>src/Platform.Server/bin/Release/net10.0/Platform.Server.dll (built with the benchmark, which references it through Platform.Testing).</summary>
    public static string Path
    {
        get
        {
            var path = System.IO.Path.Combine(GuestModules.RepositoryRoot, "src", "Platform.Server", "bin", "Release", "net10.0", "Platform.Server.dll");
            return File.Exists(path) ? path : throw new InvalidOperationException($"{path} is missing: run `dotnet build -c Release src/Platform.Server` first");
        }
    }

    public static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Stops a PostgreSQL data directory left running (pg_ctl stop -m immediate, as the postgres user when root).</summary>
    public static void StopPostgres(string dataDirectory)
    {
        if (!File.Exists(System.IO.Path.Combine(dataDirectory, "postmaster.pid"))) return;
        var binDir = LocalPostgresCluster.FindBinDirectory();
        if (binDir is null) return;
        var pgCtl = System.IO.Path.Combine(binDir, "pg_ctl");
        string[] arguments = ["-D", dataDirectory, "-m", "immediate", "-w", "-t", "30", "stop"];
        var info = Environment.UserName == "root"
            ? new ProcessStartInfo("runuser", ["-u", "postgres", "--", pgCtl, .. arguments])
            : new ProcessStartInfo(pgCtl, arguments);
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.UseShellExecute = false;
        using var process = Process.Start(info);
        process?.StandardOutput.ReadToEnd();
        process?.WaitForExit(40_000);
    }
}

/// <summary>
/// Topology A: <c>Platform.Server dev</c> as one child process (its private PostgreSQL, the control
/// plane and two workers in one process talking gRPC over loopback; the README's first command),
/// in a temporary data directory, on free loopback ports.
/// </summary>
internal sealed class DevPlatform : IAsyncDisposable
{
    private readonly string _root;

    private DevPlatform(string root, ChildProcess process, DevFacts facts, string clusterToken)
    {
        _root = root;
        Process = process;
        Facts = facts;
        ClusterToken = clusterToken;
    }

    public ChildProcess Process { get; }

    public DevFacts Facts { get; }

    public string ClusterToken { get; }

    public string PostgresDataDirectory => Path.Combine(_root, "data", "postgres", "data");

    /// <summary>The dev PostgreSQL's connection string (port from its postmaster.pid; trust authentication on 127.0.0.1).</summary>
    public string PostgresConnectionString
    {
        get
        {
            var pid = File.ReadAllLines(Path.Combine(PostgresDataDirectory, "postmaster.pid"));
            return $"Host=127.0.0.1;Port={pid[3].Trim()};Username=postgres;Database=platform;Pooling=true;Maximum Pool Size=50;Timeout=15";
        }
    }

    public static async Task<DevPlatform> StartAsync(IEnumerable<string> extraArguments)
    {
        var root = Path.Combine(Path.GetTempPath(), $"platform-bench-dev-{Guid.NewGuid():N}"[..40]);
        Directory.CreateDirectory(root);
        var data = Path.Combine(root, "data");
        var process = ChildProcess.Start(
            "Platform.Server dev",
            "dotnet",
            [
                ServerBinary.Path, "dev", "--data-dir", data,
                "--Platform:RestUrl=http://127.0.0.1:0", "--Platform:GrpcUrl=http://127.0.0.1:0",
                // No worker metrics listener (default 127.0.0.1:8091 for a worker host): two in-process
                // workers would both bind it. The control plane's /metrics stays.
                "--Platform:MetricsUrl=none",
                // Per upload, not per invocation: the fetch/compile and push/compile times of the cold start.
                "--Logging:LogLevel:Platform.Worker.Modules=Information", "--Logging:LogLevel:Platform.Worker.Grpc=Information",
                .. extraArguments,
            ],
            workingDirectory: root);
        // The PostgreSQL daemon outlives a killed dev process: stop it whatever happens to the benchmark.
        AppDomain.CurrentDomain.ProcessExit += (_, _) => ServerBinary.StopPostgres(Path.Combine(data, "postgres", "data"));
        try
        {
            var factsPath = Path.Combine(data, "dev.json");
            var started = Stopwatch.GetTimestamp();
            while (!File.Exists(factsPath))
            {
                if (process.HasExited) throw new InvalidOperationException($"dev exited:\n{process.Tail()}");
                if (Stopwatch.GetElapsedTime(started) > TimeSpan.FromMinutes(3)) throw new TimeoutException($"dev did not come up within 3 minutes:\n{process.Tail()}");
                await Task.Delay(100);
            }

            await process.WaitForLineAsync(l => l.Contains("Press Ctrl-C to stop", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
            var facts = JsonSerializer.Deserialize<DevFacts>(await File.ReadAllTextAsync(factsPath), JsonSerializerOptions.Web)!;
            using var secrets = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(data, "secrets.json")));
            return new DevPlatform(root, process, facts, secrets.RootElement.GetProperty("ClusterToken").GetString()!);
        }
        catch
        {
            await process.DisposeAsync();
            ServerBinary.StopPostgres(Path.Combine(data, "postgres", "data"));
            TryDelete(root);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Process.DisposeAsync(); // SIGTERM: dev stops its hosts, then PostgreSQL
        ServerBinary.StopPostgres(PostgresDataDirectory);
        NpgsqlConnection.ClearAllPools();
        TryDelete(_root);
    }

    private static void TryDelete(string root)
    {
        try
        {
            Directory.Delete(root, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"could not delete {root}: {ex.Message}");
        }
    }
}

internal sealed record DevFacts(string RestUrl, string GrpcUrl, string AdminKey, string DemoApiKey);

/// <summary>
/// Topology B: a throwaway PostgreSQL cluster (<see cref="LocalPostgresCluster"/>, fsync off),
/// the control plane (<c>--role control-plane</c>) and ONE worker (<c>--role worker</c>) as
/// separate child processes on fixed free loopback ports; the worker can be restarted on the
/// same port and cache folder.
/// </summary>
internal sealed class SplitPlatform : IAsyncDisposable
{
    public const string AdminKey = "bench-admin-key-0123456789abcdef";
    public const string ClusterToken = "bench-cluster-token-0123456789abcdef";
    public const string WorkerId = "bench-worker-1";

    private readonly LocalPostgresCluster _postgres;
    private readonly string _root;

    private readonly int _workerMetricsPort = ServerBinary.FreeLoopbackPort();

    private SplitPlatform(LocalPostgresCluster postgres, string root, string connectionString, ChildProcess controlPlane, Uri rest, Uri grpc, Uri workerUrl)
    {
        _postgres = postgres;
        _root = root;
        ConnectionString = connectionString;
        ControlPlane = controlPlane;
        RestUri = rest;
        GrpcUri = grpc;
        WorkerUri = workerUrl;
    }

    public string ConnectionString { get; }

    public ChildProcess ControlPlane { get; }

    public ChildProcess? Worker { get; private set; }

    public Uri RestUri { get; }

    public Uri GrpcUri { get; }

    public Uri WorkerUri { get; }

    public string CacheDir => Path.Combine(_root, "worker");

    public string PostgresDataDirectory => _postgres.DataDirectory;

    public static async Task<SplitPlatform> StartAsync()
    {
        var postgres = await LocalPostgresCluster.StartAsync();
        var root = Path.Combine(Path.GetTempPath(), $"platform-bench-split-{Guid.NewGuid():N}"[..42]);
        ChildProcess? controlPlane = null;
        try
        {
            Directory.CreateDirectory(root);
            await using (var connection = new NpgsqlConnection(postgres.ConnectionString))
            {
                await connection.OpenAsync();
                await using var create = new NpgsqlCommand("CREATE DATABASE platform", connection);
                await create.ExecuteNonQueryAsync();
            }

            var connectionString = new NpgsqlConnectionStringBuilder(postgres.ConnectionString) { Database = "platform", MaxPoolSize = 50 }.ConnectionString;
            var rest = new Uri($"http://127.0.0.1:{ServerBinary.FreeLoopbackPort()}");
            var grpc = new Uri($"http://127.0.0.1:{ServerBinary.FreeLoopbackPort()}");
            var worker = new Uri($"http://127.0.0.1:{ServerBinary.FreeLoopbackPort()}");
            controlPlane = ChildProcess.Start("control plane", "dotnet",
            [
                ServerBinary.Path, "--role", "control-plane",
                $"--ConnectionStrings:Platform={connectionString}",
                $"--Platform:AdminKey={AdminKey}", $"--Platform:ClusterToken={ClusterToken}",
                $"--Platform:RestUrl={Url(rest)}", $"--Platform:GrpcUrl={Url(grpc)}",
                "--Logging:LogLevel:Default=Warning",
            ], workingDirectory: root);
            return new SplitPlatform(postgres, root, connectionString, controlPlane, rest, grpc, worker);
        }
        catch
        {
            if (controlPlane is not null) await controlPlane.DisposeAsync();
            await postgres.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts the worker (same port, same cache folder, same id every time).</summary>
    public ChildProcess StartWorker()
    {
        if (Worker is { HasExited: false }) throw new InvalidOperationException("the worker is running");
        Worker = ChildProcess.Start("worker", "dotnet",
        [
            ServerBinary.Path, "--role", "worker",
            $"--Platform:ClusterToken={ClusterToken}",
            $"--Platform:ControlPlaneUrl={Url(GrpcUri)}",
            $"--Platform:WorkerUrl={Url(WorkerUri)}",
            $"--Platform:CacheDir={CacheDir}",
            $"--Platform:WorkerId={WorkerId}",
            $"--Platform:MetricsUrl=http://127.0.0.1:{_workerMetricsPort}", // not the default 8091: other programs on the machine use it
            "--Logging:LogLevel:Default=Warning",
            "--Logging:LogLevel:Platform.Worker.Modules=Information",
        ], workingDirectory: _root);
        return Worker;
    }

    /// <summary>SIGTERM to the worker; returns how long it took to exit.</summary>
    public async Task<TimeSpan> StopWorkerAsync()
    {
        if (Worker is null) return TimeSpan.Zero;
        var took = await Worker.StopAsync(TimeSpan.FromSeconds(30));
        await Worker.DisposeAsync();
        Worker = null;
        return took;
    }

    public async ValueTask DisposeAsync()
    {
        if (Worker is not null) await Worker.DisposeAsync();
        await ControlPlane.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        await _postgres.DisposeAsync();
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

    public static string Ms(TimeSpan t) => t.TotalMilliseconds.ToString("0.0", CultureInfo.InvariantCulture);
}
