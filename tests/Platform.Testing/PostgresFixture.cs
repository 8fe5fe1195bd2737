using DotNet.Testcontainers.Builders;
using DotNet.Testcontainers.Configurations;
using Npgsql;
using Platform.Server.Postgres;
using Testcontainers.PostgreSql;
using Xunit;

namespace Platform.Testing;

/// <summary>
/// A real PostgreSQL for a test assembly (share it through an xunit collection fixture), chosen
/// in this order: <c>PLATFORM_TEST_DATABASE</c> (a connection string whose user may create
/// databases); Testcontainers when a Docker engine answers; otherwise a
/// throwaway <see cref="LocalPostgres"/> built from the machine's PostgreSQL binaries. Tests get
/// their own fresh database from <see cref="CreateDatabaseAsync"/>.
/// </summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    public const string EnvironmentVariable = "PLATFORM_TEST_DATABASE";

    private readonly Lock _prefetchGate = new();
    private Task<TestDatabase>? _prefetched;
    private PostgreSqlContainer? _container;
    private LocalPostgres? _cluster;

    /// <summary>Connection string of the server's maintenance database.</summary>
    public string ConnectionString { get; private set; } = "";

    /// <summary>Which of the three sources is in use (for diagnostics).</summary>
    public string Source { get; private set; } = "";

    public async Task InitializeAsync()
    {
        if (Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } configured)
        {
            ConnectionString = configured;
            Source = EnvironmentVariable;
            return;
        }

        if (await TryStartContainerAsync())
            return;

        _cluster = await LocalPostgres.StartThrowawayAsync().WaitAsync(TimeSpan.FromMinutes(3));
        ConnectionString = _cluster.ConnectionString("postgres", maxPoolSize: 20);
        Source = $"local cluster on port {_cluster.Port}";
    }

    public async Task DisposeAsync()
    {
        if (_prefetched is { } prefetched)
        {
            try
            {
                await (await prefetched.WaitAsync(TimeSpan.FromSeconds(30))).DisposeAsync();
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
            {
                // The server goes away below anyway.
            }
        }

        NpgsqlConnection.ClearAllPools();
        if (_container is not null)
            await _container.DisposeAsync();
        if (_cluster is not null)
            await _cluster.DisposeAsync();
    }

    /// <summary>
    /// A new, empty database (<c>t_&lt;guid&gt;</c>) dropped when the result is disposed. The next one
    /// is created in the background meanwhile (CREATE DATABASE is the slowest step of a test's set-up).
    /// </summary>
    public async Task<TestDatabase> CreateDatabaseAsync(CancellationToken cancellationToken = default)
    {
        Task<TestDatabase>? ready;
        lock (_prefetchGate)
        {
            ready = _prefetched;
            _prefetched = null;
        }

        TestDatabase database;
        try
        {
            database = ready is null ? await CreateNowAsync(cancellationToken) : await ready.WaitAsync(cancellationToken);
        }
        catch (NpgsqlException) when (ready is not null)
        {
            database = await CreateNowAsync(cancellationToken);
        }

        lock (_prefetchGate)
            _prefetched ??= CreateNowAsync(CancellationToken.None);
        return database;
    }

    private async Task<TestDatabase> CreateNowAsync(CancellationToken cancellationToken)
    {
        var name = $"t_{Guid.NewGuid():N}";
        await using (var connection = new NpgsqlConnection(ConnectionString))
        {
            await connection.OpenAsync(cancellationToken);
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        var builder = new NpgsqlConnectionStringBuilder(ConnectionString) { Database = name };
        return new TestDatabase(name, builder.ConnectionString, ConnectionString);
    }

    private async Task<bool> TryStartContainerAsync()
    {
        // Without a Docker engine Testcontainers finds no endpoint; it would only throw DockerUnavailableException.
        if (TestcontainersSettings.OS.DockerEndpointAuthConfig is null)
            return false;
        var container = new PostgreSqlBuilder("postgres:15-alpine").Build();
        try
        {
            await container.StartAsync().WaitAsync(TimeSpan.FromMinutes(3));
        }
        catch (Exception ex) when (ex is DockerUnavailableException or TimeoutException)
        {
            await container.DisposeAsync();
            return false;
        }

        _container = container;
        ConnectionString = container.GetConnectionString();
        Source = "testcontainers";
        return true;
    }
}

/// <summary>A database of its own for one test (or class); dropped on dispose.</summary>
public sealed class TestDatabase(string name, string connectionString, string maintenanceConnectionString) : IAsyncDisposable
{
    public string Name { get; } = name;

    public string ConnectionString { get; } = connectionString;

    public async Task<T?> ScalarAsync<T>(string sql, CancellationToken cancellationToken = default)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        var value = await command.ExecuteScalarAsync(cancellationToken);
        return value is null or DBNull ? default : (T)value;
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        try
        {
            await using var connection = new NpgsqlConnection(maintenanceConnectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)", connection);
            await command.ExecuteNonQueryAsync();
        }
        catch (NpgsqlException)
        {
            // The server is gone or busy; a throwaway cluster is deleted anyway.
        }
    }
}
