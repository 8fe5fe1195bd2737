using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Npgsql;
using Platform.Server.Postgres;
using Platform.Testing;
using Platform.Testing.Processes;

namespace Platform.Benchmarks.EndToEnd;

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
                "--Platform:ClusterUrl=http://127.0.0.1:0", "--Platform:MetricsUrl=http://127.0.0.1:0",
                // Per upload, not per invocation: the fetch/compile and push/compile times of the cold start.
                "--Logging:LogLevel:Platform.Worker.Modules=Information", "--Logging:LogLevel:Platform.Worker.Grpc=Information",
                .. extraArguments,
            ],
            workingDirectory: root);
        // The PostgreSQL daemon outlives a killed dev process: stop it whatever happens to the benchmark.
        AppDomain.CurrentDomain.ProcessExit += (_, _) => StopPostgres(Path.Combine(data, "postgres", "data"));
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
            StopPostgres(Path.Combine(data, "postgres", "data"));
            TryDelete(root);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Process.DisposeAsync(); // SIGTERM: dev stops its hosts, then PostgreSQL
        StopPostgres(PostgresDataDirectory);
        NpgsqlConnection.ClearAllPools();
        TryDelete(_root);
    }

    /// <summary>Stops a PostgreSQL data directory left running; synchronous, for the process-exit handler too.</summary>
    private static void StopPostgres(string dataDirectory) => LocalPostgres.StopLeftRunningAsync(dataDirectory).GetAwaiter().GetResult();

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
