namespace Platform.EndToEnd.Tests;

/// <summary>
/// The tests that run clusters share one PostgreSQL server (each cluster gets its own database)
/// and, where a test neither stops workers nor changes settings, one shared cluster. They run one
/// after another: a 2-core machine gives wall-clock limits (TIMEOUT, liveness) no slack for more.
/// </summary>
[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<EndToEndEnvironment>
{
    public const string Name = "cluster";
}

public sealed class EndToEndEnvironment : IAsyncLifetime
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private TestCluster? _shared;

    public PostgresFixture Postgres { get; } = new();

    /// <summary>
    /// The cluster most tests use: a control plane and three workers, started on first use. Tests
    /// keep to their own tenants and never stop its workers.
    /// </summary>
    public async Task<TestCluster> SharedClusterAsync()
    {
        if (!await _gate.WaitAsync(TimeSpan.FromSeconds(90)))
            throw new TimeoutException("the shared cluster did not start within 90 s");
        try
        {
            return _shared ??= await TestCluster.StartAsync(Postgres);
        }
        finally
        {
            _gate.Release();
        }
    }

    public Task InitializeAsync() => Postgres.InitializeAsync();

    public async Task DisposeAsync()
    {
        if (_shared is not null)
            await _shared.DisposeAsync();
        await Postgres.DisposeAsync();
        _gate.Dispose();
    }
}
