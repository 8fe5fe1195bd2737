using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Platform.Server.Postgres;

/// <summary>
/// A private PostgreSQL cluster built from the machine's server binaries, for <c>dev</c> and the
/// tests: <c>initdb</c> into a folder (as the <c>postgres</c> user when the process is root, since
/// initdb refuses root), started with <c>pg_ctl</c> on a free loopback port, TCP only, trust
/// authentication. <c>dev</c> keeps its cluster in a folder it reuses; a throwaway cluster runs
/// with durability off in a temporary folder that disposing deletes (the next throwaway start
/// cleans up one a crashed process left behind).
/// </summary>
public sealed class LocalPostgres : IAsyncDisposable
{
    private const string ThrowawayPrefix = "platform-pg-";
    private const int StartAttempts = 3;
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(90);

    private readonly string _binDir;
    private readonly string _folder;
    private readonly bool _throwaway;

    private LocalPostgres(string binDir, string folder, bool throwaway)
    {
        _binDir = binDir;
        _folder = folder;
        _throwaway = throwaway;
    }

    /// <summary>The loopback port the server listens on.</summary>
    public int Port { get; private set; }

    /// <summary>Whether this start ran <c>initdb</c> (false when an existing cluster was reused).</summary>
    public bool Created { get; private set; }

    public string DataDirectory => Path.Combine(_folder, "data");

    private string LogFile => Path.Combine(_folder, "postgres.log");

    private static bool AsPostgresUser => Environment.UserName == "root";

    public string ConnectionString(string database, int maxPoolSize = 50) =>
        $"Host=127.0.0.1;Port={Port};Username=postgres;Database={database};Pooling=true;Maximum Pool Size={maxPoolSize};Timeout=15";

    /// <summary>Where the PostgreSQL server binaries are: <c>PLATFORM_PG_BINDIR</c>, then <c>pg_config --bindir</c>, then PATH, then Debian's layout; null when this machine has none.</summary>
    public static string? FindBinDirectory()
    {
        var candidates = new List<string>();
        if (Environment.GetEnvironmentVariable("PLATFORM_PG_BINDIR") is { Length: > 0 } configured)
            candidates.Add(configured);
        if (PgConfigBinDirectory() is { } fromPgConfig)
            candidates.Add(fromPgConfig);
        candidates.AddRange((Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries));
        if (Directory.Exists("/usr/lib/postgresql"))
        {
            candidates.AddRange(Directory.GetDirectories("/usr/lib/postgresql")
                .OrderByDescending(d => int.TryParse(Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : 0)
                .Select(d => Path.Combine(d, "bin")));
        }

        return candidates.FirstOrDefault(d => File.Exists(Path.Combine(d, "initdb")) && File.Exists(Path.Combine(d, "pg_ctl")));
    }

    /// <summary>Starts the cluster kept in <paramref name="folder"/>, creating it on first use.</summary>
    public static Task<LocalPostgres> StartAsync(string folder, CancellationToken cancellationToken) =>
        StartAsync(Path.GetFullPath(folder), throwaway: false, FreeLoopbackPort, cancellationToken);

    /// <summary>Starts a new cluster in a temporary folder, durability off; disposing deletes it.</summary>
    public static async Task<LocalPostgres> StartThrowawayAsync(CancellationToken cancellationToken = default)
    {
        await CleanStaleThrowawaysAsync(cancellationToken);
        var folder = Path.Combine(Path.GetTempPath(), $"{ThrowawayPrefix}{Environment.ProcessId}-{Guid.NewGuid():N}"[..(ThrowawayPrefix.Length + 20)]);
        return await StartAsync(folder, throwaway: true, FreeLoopbackPort, cancellationToken);
    }

    /// <summary>The start itself; <paramref name="pickPort"/> chooses each attempt's port.</summary>
    internal static async Task<LocalPostgres> StartAsync(string folder, bool throwaway, Func<int> pickPort, CancellationToken cancellationToken)
    {
        var binDir = FindBinDirectory()
            ?? throw new InvalidOperationException("no PostgreSQL server binaries found (initdb, pg_ctl): install PostgreSQL's server package, set PLATFORM_PG_BINDIR, or configure a connection string");
        var postgres = new LocalPostgres(binDir, folder, throwaway);
        Directory.CreateDirectory(folder);
        var thisRunsLog = LogLength(postgres.LogFile);
        try
        {
            if (AsPostgresUser)
                await CommandRunner.RunAsync("chown", ["-R", "postgres:postgres", folder], CommandTimeout, cancellationToken);
            postgres.Created = !File.Exists(Path.Combine(postgres.DataDirectory, "PG_VERSION"));
            if (postgres.Created)
            {
                await postgres.RunPgAsync("initdb", [
                    "-D", postgres.DataDirectory, "-U", "postgres", "--auth=trust", "--no-locale", "--encoding=UTF8", .. throwaway ? ["--no-sync"] : Array.Empty<string>()],
                    cancellationToken);
            }

            for (var attempt = 1; ; attempt++)
            {
                postgres.Port = pickPort();
                var logStart = LogLength(postgres.LogFile);
                try
                {
                    await postgres.StartServerAsync(cancellationToken);
                    return postgres;
                }
                catch (InvalidOperationException) when (attempt < StartAttempts && ReadLog(postgres.LogFile, logStart).Contains("could not bind", StringComparison.Ordinal))
                {
                    // The port was taken between the pick and the bind: pick another.
                }
            }
        }
        catch (Exception ex)
        {
            var log = ReadLog(postgres.LogFile, thisRunsLog);
            if (throwaway)
                TryDelete(folder);
            if (ex is OperationCanceledException or OutOfMemoryException)
                throw;
            throw new InvalidOperationException($"could not start PostgreSQL in {folder}: {ex.Message}; log: {log}", ex);
        }
    }

    /// <summary>Starts the server (again) on <see cref="Port"/>, waiting until it accepts connections.</summary>
    public Task StartServerAsync(CancellationToken cancellationToken = default)
    {
        var durability = _throwaway ? " -c fsync=off -c synchronous_commit=off -c full_page_writes=off" : "";
        return RunPgAsync("pg_ctl", [
            "-D", DataDirectory, "-l", LogFile, "-w", "-t", "60",
            "-o", $"-p {Port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c max_connections=300{durability}",
            "start"], cancellationToken);
    }

    /// <summary>
    /// Stops the server the way an outage looks to clients: <c>pg_ctl stop -m immediate</c> ends
    /// every backend at once (open connections break, new ones are refused) without a checkpoint,
    /// so the next start runs crash recovery like after a failover.
    /// </summary>
    public Task StopServerAsync(CancellationToken cancellationToken = default) =>
        StopAsync(_binDir, DataDirectory, "immediate", cancellationToken);

    /// <summary>Creates <paramref name="database"/> unless it exists.</summary>
    public async Task EnsureDatabaseAsync(string database, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(ConnectionString("postgres"));
        await connection.OpenAsync(cancellationToken);
        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = @name", connection);
        exists.Parameters.AddWithValue("name", database);
        if (await exists.ExecuteScalarAsync(cancellationToken) is null)
        {
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{database.Replace("\"", "\"\"", StringComparison.Ordinal)}\"", connection);
            await create.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    /// <summary>Stops a cluster whose data directory a process left running (nothing when none runs there).</summary>
    public static async Task StopLeftRunningAsync(string dataDirectory)
    {
        if (!File.Exists(Path.Combine(dataDirectory, "postmaster.pid")) || FindBinDirectory() is not { } binDir)
            return;
        try
        {
            await StopAsync(binDir, dataDirectory, "immediate", CancellationToken.None);
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException)
        {
            // Not running after all.
        }
    }

    /// <summary>Stops the server (a fast shutdown for a kept cluster); a throwaway cluster's folder goes too.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_throwaway)
            NpgsqlConnection.ClearAllPools(); // dev's own process: nothing else shares its pools
        try
        {
            await StopAsync(_binDir, DataDirectory, _throwaway ? "immediate" : "fast", CancellationToken.None);
        }
        catch (Exception ex) when (_throwaway && ex is InvalidOperationException or TimeoutException)
        {
            // Already gone; the folder goes below either way.
        }

        if (_throwaway)
            TryDelete(_folder);
    }

    private static Task StopAsync(string binDir, string dataDirectory, string mode, CancellationToken cancellationToken) =>
        RunPgAsync(binDir, "pg_ctl", ["-D", dataDirectory, "-m", mode, "-w", "-t", "60", "stop"], cancellationToken);

    private Task<string> RunPgAsync(string program, IEnumerable<string> arguments, CancellationToken cancellationToken) =>
        RunPgAsync(_binDir, program, arguments, cancellationToken);

    private static Task<string> RunPgAsync(string binDir, string program, IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        var path = Path.Combine(binDir, program);
        return AsPostgresUser
            ? CommandRunner.RunAsync("runuser", ["-u", "postgres", "--", path, .. arguments], CommandTimeout, cancellationToken)
            : CommandRunner.RunAsync(path, arguments, CommandTimeout, cancellationToken);
    }

    private static string? PgConfigBinDirectory()
    {
        try
        {
            var bindir = CommandRunner.RunAsync("pg_config", ["--bindir"], TimeSpan.FromSeconds(10)).GetAwaiter().GetResult().Trim();
            return bindir.Length > 0 ? bindir : null;
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException or TimeoutException)
        {
            return null; // no pg_config on PATH
        }
    }

    /// <summary>Stops and deletes throwaway clusters whose process no longer exists.</summary>
    private static async Task CleanStaleThrowawaysAsync(CancellationToken cancellationToken)
    {
        foreach (var folder in Directory.GetDirectories(Path.GetTempPath(), ThrowawayPrefix + "*"))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var rest = Path.GetFileName(folder)[ThrowawayPrefix.Length..];
            var dash = rest.IndexOf('-', StringComparison.Ordinal);
            if (dash < 1 || !int.TryParse(rest.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || IsAlive(pid))
                continue;
            await StopLeftRunningAsync(Path.Combine(folder, "data"));
            TryDelete(folder);
        }
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static long LogLength(string log) => File.Exists(log) ? new FileInfo(log).Length : 0;

    private static string ReadLog(string log, long from)
    {
        try
        {
            using var stream = new FileStream(log, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            stream.Seek(Math.Min(from, stream.Length), SeekOrigin.Begin);
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return "(no log)";
        }
    }

    private static void TryDelete(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Left for the next throwaway start's stale cleanup.
        }
    }
}
