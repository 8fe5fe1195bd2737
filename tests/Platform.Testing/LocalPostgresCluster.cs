using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Platform.Testing;

/// <summary>
/// A throwaway PostgreSQL cluster built from the machine's PostgreSQL binaries: <c>initdb</c> into
/// a temporary folder (as the <c>postgres</c> user when running as root), started with
/// <c>pg_ctl</c> on a free loopback port with its own socket folder, trust authentication and
/// durability off for speed. Disposing stops it and deletes the folder; a cluster left behind by
/// a crashed test process is cleaned up by the next one.
/// </summary>
public sealed class LocalPostgresCluster : IAsyncDisposable
{
    private const string FolderPrefix = "platform-pg-";
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(90);

    private readonly string _binDir;
    private readonly string _root;
    private readonly bool _asPostgresUser;

    private LocalPostgresCluster(string binDir, string root, bool asPostgresUser, int port)
    {
        _binDir = binDir;
        _root = root;
        _asPostgresUser = asPostgresUser;
        Port = port;
    }

    public int Port { get; }

    public string DataDirectory => Path.Combine(_root, "data");

    /// <summary>Connection string of the <c>postgres</c> maintenance database.</summary>
    public string ConnectionString =>
        $"Host=127.0.0.1;Port={Port};Username=postgres;Database=postgres;Pooling=true;Maximum Pool Size=20;Timeout=15";

    /// <summary>Where the PostgreSQL server binaries are, or null when this machine has none.</summary>
    public static string? FindBinDirectory()
    {
        var candidates = new List<string>();
        if (Environment.GetEnvironmentVariable("PLATFORM_PG_BINDIR") is { Length: > 0 } configured)
            candidates.Add(configured);
        try
        {
            var bindir = ProcessRunner.RunAsync("pg_config", ["--bindir"], TimeSpan.FromSeconds(10)).GetAwaiter().GetResult().Trim();
            if (bindir.Length > 0)
                candidates.Add(bindir);
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException or TimeoutException)
        {
            // No pg_config on PATH: look in the usual places.
        }

        if (Directory.Exists("/usr/lib/postgresql"))
        {
            candidates.AddRange(Directory.GetDirectories("/usr/lib/postgresql")
                .OrderByDescending(d => int.TryParse(Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : 0)
                .Select(d => Path.Combine(d, "bin")));
        }

        return candidates.FirstOrDefault(d => File.Exists(Path.Combine(d, "initdb")) && File.Exists(Path.Combine(d, "pg_ctl")));
    }

    public static async Task<LocalPostgresCluster> StartAsync()
    {
        var binDir = FindBinDirectory()
            ?? throw new InvalidOperationException("no PostgreSQL server binaries found (initdb, pg_ctl): install postgresql, set PLATFORM_PG_BINDIR, or set PLATFORM_TEST_DATABASE to a connection string");
        await CleanStaleAsync(binDir);

        var asPostgresUser = Environment.UserName == "root";
        var root = Path.Combine(Path.GetTempPath(), $"{FolderPrefix}{Environment.ProcessId}-{Guid.NewGuid():N}"[..(FolderPrefix.Length + 20)]);
        Directory.CreateDirectory(root);
        try
        {
            if (asPostgresUser)
                await ProcessRunner.RunAsync("chown", ["postgres:postgres", root], CommandTimeout);
            var cluster = new LocalPostgresCluster(binDir, root, asPostgresUser, 0);
            await cluster.RunPgAsync("initdb", ["-D", cluster.DataDirectory, "-U", "postgres", "--auth=trust", "--no-sync", "--no-locale", "--encoding=UTF8"]);

            Exception? last = null;
            for (var attempt = 0; attempt < 3; attempt++)
            {
                var started = new LocalPostgresCluster(binDir, root, asPostgresUser, FreeLoopbackPort());
                try
                {
                    await started.StartServerAsync();
                    return started;
                }
                catch (InvalidOperationException ex)
                {
                    last = ex; // most likely the port was taken in between; try another
                }
            }

            throw new InvalidOperationException($"could not start PostgreSQL: {last?.Message}; log: {ReadLog(root)}", last);
        }
        catch
        {
            TryDelete(root);
            throw;
        }
    }

    /// <summary>Starts the server (again) on <see cref="Port"/>, waiting until it accepts connections.</summary>
    public Task StartServerAsync() => RunPgAsync("pg_ctl", [
        "-D", DataDirectory, "-l", Path.Combine(_root, "postgres.log"), "-w", "-t", "60",
        "-o", $"-p {Port} -k {_root} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300",
        "start"]);

    /// <summary>
    /// Stops the server the way an outage looks to clients: <c>pg_ctl stop -m immediate</c> ends
    /// every backend at once (open connections break, new ones are refused) without a checkpoint,
    /// so the next start runs crash recovery like after a failover.
    /// </summary>
    public Task StopServerAsync() => RunPgAsync("pg_ctl", ["-D", DataDirectory, "-m", "immediate", "-w", "-t", "30", "stop"]);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await RunPgAsync("pg_ctl", ["-D", DataDirectory, "-m", "immediate", "-w", "-t", "30", "stop"]);
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException)
        {
            // Already gone; the folder goes below either way.
        }

        TryDelete(_root);
    }

    private Task<string> RunPgAsync(string program, IEnumerable<string> arguments) => RunPgAsync(_binDir, _asPostgresUser, program, arguments);

    private static Task<string> RunPgAsync(string binDir, bool asPostgresUser, string program, IEnumerable<string> arguments)
    {
        var path = Path.Combine(binDir, program);
        return asPostgresUser
            ? ProcessRunner.RunAsync("runuser", ["-u", "postgres", "--", path, .. arguments], CommandTimeout)
            : ProcessRunner.RunAsync(path, arguments, CommandTimeout);
    }

    /// <summary>Stops and deletes clusters whose test process no longer exists.</summary>
    private static async Task CleanStaleAsync(string binDir)
    {
        foreach (var folder in Directory.GetDirectories(Path.GetTempPath(), FolderPrefix + "*"))
        {
            var rest = Path.GetFileName(folder)[FolderPrefix.Length..];
            var dash = rest.IndexOf('-', StringComparison.Ordinal);
            if (dash < 1 || !int.TryParse(rest.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || IsAlive(pid))
                continue;
            try
            {
                await RunPgAsync(binDir, Environment.UserName == "root", "pg_ctl", ["-D", Path.Combine(folder, "data"), "-m", "immediate", "-w", "-t", "30", "stop"]);
            }
            catch (Exception ex) when (ex is InvalidOperationException or TimeoutException)
            {
                // Not running.
            }

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

    private static string ReadLog(string root)
    {
        var log = Path.Combine(root, "postgres.log");
        return File.Exists(log) ? File.ReadAllText(log) : "(no log)";
    }

    private static void TryDelete(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Left for the next run's stale cleanup.
        }
    }
}
