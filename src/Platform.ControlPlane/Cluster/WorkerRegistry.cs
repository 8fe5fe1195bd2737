using Dapper;
using Microsoft.Extensions.Options;
using Platform.ControlPlane.Database;

namespace Platform.ControlPlane.Cluster;

/// <summary>
/// The worker registry in PostgreSQL, and the live set the invoke path reads: a snapshot
/// refreshed in the background (<see cref="WorkerRegistryRefresher"/>), so an invocation never
/// waits on the database and keeps routing with the last known workers while it is away.
/// </summary>
internal sealed class WorkerRegistry(Db db, TimeProvider time, IOptions<ClusterOptions> options) : ILiveWorkers
{
    private volatile IReadOnlyList<WorkerInfo> _live = [];
    private readonly DateTimeOffset _startedAt = time.GetUtcNow();

    // Heartbeats this replica received, even those it could not record: after a database outage
    // the rows' last_heartbeat is stale, and the workers must not leave placement for that.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, DateTimeOffset> _heardFrom = new(StringComparer.Ordinal);

    /// <summary>Workers whose heartbeat is within the TTL, as of the last refresh.</summary>
    public IReadOnlyList<WorkerInfo> Live => _live;

    public async Task RegisterAsync(string id, string advertiseUrl, int capacity, int moduleCount, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await db.RunAsync(
            (connection, token) => connection.ExecuteAsync(Db.Command(
                """
                INSERT INTO workers (id, advertise_url, capacity, module_count, registered_at, last_heartbeat)
                VALUES (@id, @advertiseUrl, @capacity, @moduleCount, @now, @now)
                ON CONFLICT (id) DO UPDATE SET advertise_url = EXCLUDED.advertise_url, capacity = EXCLUDED.capacity,
                    module_count = EXCLUDED.module_count, registered_at = EXCLUDED.registered_at, last_heartbeat = EXCLUDED.last_heartbeat
                """,
                new { id, advertiseUrl, capacity, moduleCount, now },
                token)),
            cancellationToken);
        await RefreshAsync(cancellationToken);
    }

    /// <summary>False when the worker is not registered (it should register again).</summary>
    public async Task<bool> HeartbeatAsync(string id, int inFlight, int moduleCount, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        _heardFrom[id] = now;
        var updated = await db.RunAsync(
            (connection, token) => connection.ExecuteAsync(Db.Command(
                "UPDATE workers SET last_heartbeat = @now, in_flight = @inFlight, module_count = @moduleCount WHERE id = @id",
                new { id, inFlight, moduleCount, now },
                token)),
            cancellationToken);
        return updated == 1;
    }

    public async Task<IReadOnlyList<WorkerInfo>> ListAsync(CancellationToken cancellationToken)
    {
        var rows = await db.RunAsync(
            (connection, token) => connection.QueryAsync<WorkerRow>(Db.Command(
                "SELECT id, advertise_url, capacity, in_flight, module_count, registered_at, last_heartbeat FROM workers ORDER BY id",
                null,
                token)),
            cancellationToken);
        return rows.Select(row => row.ToInfo()).ToList();
    }

    public bool IsLive(WorkerInfo worker)
    {
        var ttl = options.Value.WorkerTtl;
        var lastHeard = _heardFrom.TryGetValue(worker.Id, out var heard) && heard > worker.LastHeartbeat ? heard : worker.LastHeartbeat;
        // A control plane that has just started could not hear anyone yet: a worker live when it
        // started stays live for one TTL from then, while its heartbeats find the new process
        // (otherwise a restart that took longer than the TTL left a gap with no live worker).
        if (lastHeard < _startedAt && lastHeard >= _startedAt - ttl)
            lastHeard = _startedAt;
        return lastHeard >= time.GetUtcNow() - ttl;
    }

    /// <summary>Reloads the live set; on a database failure the previous set stays.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        var all = await ListAsync(cancellationToken);
        _live = all.Where(IsLive).ToList();
    }

    /// <summary>Modules referenced by a version an alias points at (latest included): what placement distributes.</summary>
    public Task<IEnumerable<string>> CurrentModulesAsync(CancellationToken cancellationToken) =>
        db.RunAsync(
            (connection, token) => connection.QueryAsync<string>(Db.Command(
                """
                SELECT DISTINCT v.module_sha256
                FROM function_aliases a
                JOIN function_versions v ON v.function_id = a.function_id AND v.version = a.version
                """,
                null,
                token)),
            cancellationToken).AsTask();

    private sealed record WorkerRow(string Id, string AdvertiseUrl, int Capacity, int InFlight, int ModuleCount, DateTime RegisteredAt, DateTime LastHeartbeat)
    {
        public WorkerInfo ToInfo() => new(Id, AdvertiseUrl, Capacity, InFlight, ModuleCount, new DateTimeOffset(RegisteredAt, TimeSpan.Zero), new DateTimeOffset(LastHeartbeat, TimeSpan.Zero));
    }
}
