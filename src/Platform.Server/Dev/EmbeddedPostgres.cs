using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Platform.Server.Dev;

/// <summary>
/// The dev mode's private PostgreSQL: a cluster in a folder it owns (<c>initdb</c> on first use,
/// reused afterwards), started with <c>pg_ctl</c> on a free loopback port, TCP only, trust
/// authentication. As root the cluster belongs to the <c>postgres</c> user (initdb refuses root).
/// </summary>
internal sealed class EmbeddedPostgres : IAsyncDisposable
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(90);
    private readonly string _binDir;
    private readonly string _folder;
    private readonly bool _asPostgresUser;

    private EmbeddedPostgres(string binDir, string folder, bool asPostgresUser, int port)
    {
        _binDir = binDir;
        _folder = folder;
        _asPostgresUser = asPostgresUser;
        Port = port;
    }

    public int Port { get; }

    public bool Created { get; private init; }

    public string ConnectionString(string database) =>
        $"Host=127.0.0.1;Port={Port};Username=postgres;Database={database};Pooling=true;Maximum Pool Size=50;Timeout=15";

    private string DataDirectory => Path.Combine(_folder, "data");

    public static async Task<EmbeddedPostgres> StartAsync(string folder, CancellationToken cancellationToken)
    {
        var binDir = FindBinDirectory()
            ?? throw new InvalidOperationException("no PostgreSQL server binaries found (initdb, pg_ctl): install Debian's postgresql package, set PLATFORM_PG_BINDIR, or configure ConnectionStrings:Platform");
        var asPostgresUser = Environment.UserName == "root";
        folder = Path.GetFullPath(folder);
        Directory.CreateDirectory(folder);
        if (asPostgresUser) await RunAsync("chown", ["-R", "postgres:postgres", folder], cancellationToken);

        var probe = new EmbeddedPostgres(binDir, folder, asPostgresUser, 0);
        var created = !File.Exists(Path.Combine(probe.DataDirectory, "PG_VERSION"));
        if (created)
            await probe.RunPgAsync("initdb", ["-D", probe.DataDirectory, "-U", "postgres", "--auth=trust", "--no-locale", "--encoding=UTF8"], cancellationToken);

        var port = FreeLoopbackPort();
        var postgres = new EmbeddedPostgres(binDir, folder, asPostgresUser, port) { Created = created };
        await postgres.RunPgAsync("pg_ctl", [
            "-D", postgres.DataDirectory, "-l", Path.Combine(folder, "postgres.log"), "-w", "-t", "60",
            "-o", $"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c max_connections=200",
            "start"], cancellationToken);
        return postgres;
    }

    public async Task EnsureDatabaseAsync(string database, CancellationToken cancellationToken)
    {
        await using var connection = new Npgsql.NpgsqlConnection(ConnectionString("postgres"));
        await connection.OpenAsync(cancellationToken);
        await using var exists = new Npgsql.NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = @name", connection);
        exists.Parameters.AddWithValue("name", database);
        if (await exists.ExecuteScalarAsync(cancellationToken) is null)
        {
            await using var create = new Npgsql.NpgsqlCommand($"CREATE DATABASE \"{database}\"", connection);
            await create.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Npgsql.NpgsqlConnection.ClearAllPools();
        await RunPgAsync("pg_ctl", ["-D", DataDirectory, "-m", "fast", "-w", "-t", "60", "stop"], CancellationToken.None);
    }

    private static string? FindBinDirectory()
    {
        var candidates = new List<string>();
        if (Environment.GetEnvironmentVariable("PLATFORM_PG_BINDIR") is { Length: > 0 } configured) candidates.Add(configured);
        if (Directory.Exists("/usr/lib/postgresql"))
        {
            candidates.AddRange(Directory.GetDirectories("/usr/lib/postgresql")
                .OrderByDescending(d => int.TryParse(Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : 0)
                .Select(d => Path.Combine(d, "bin")));
        }

        candidates.AddRange((Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries));
        return candidates.FirstOrDefault(d => File.Exists(Path.Combine(d, "initdb")) && File.Exists(Path.Combine(d, "pg_ctl")));
    }

    private Task RunPgAsync(string program, IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        var path = Path.Combine(_binDir, program);
        return _asPostgresUser
            ? RunAsync("runuser", ["-u", "postgres", "--", path, .. arguments], cancellationToken)
            : RunAsync(path, arguments, cancellationToken);
    }

    private static async Task RunAsync(string file, IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {file}");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(CommandTimeout);
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{Path.GetFileName(file)} {string.Join(' ', info.ArgumentList)} exited with {process.ExitCode}: {await output}{await errors}");
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
