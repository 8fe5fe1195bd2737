using Dapper;
using Grpc.Core;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Platform.Hosting.Artifacts;
using Npgsql;
using Platform.ControlPlane.Cluster;
using Platform.ControlPlane.Database;
using V1 = Platform.Contracts.V1;

namespace Platform.ControlPlane.Modules;

/// <summary>
/// Deletes modules that no version and no replay recording references, and asset bundles that no
/// version references, every <see cref="ModuleCollectionOptions.Interval"/>.
/// Race-safe against an upload of the same bytes (and a recording naming them: the history flusher
/// holds the same lock) through <see cref="ModuleLocks"/>: candidates are
/// locked (skipping any an upload holds) in one statement and deleted, if still unreferenced, in the
/// next, whose snapshot sees every version committed before the locks were taken. Then the live
/// workers are asked to evict the collected modules and bundles (best effort: a worker that misses it keeps an
/// artifact nothing routes to; a re-upload of the same bytes is pushed or fetched again).
/// </summary>
internal sealed partial class ModuleCollector(
    Db db,
    ILiveWorkers workers,
    WorkerClients clients,
    ArtifactSigning artifacts,
    IOptions<ModuleCollectionOptions> options,
    TimeProvider time,
    ILogger<ModuleCollector> logger) : BackgroundService
{
    private static readonly TimeSpan EvictTimeout = TimeSpan.FromSeconds(5);

    private static readonly Collectable Modules = new(
        """
        SELECT m.sha256 FROM modules m
        WHERE NOT EXISTS (SELECT 1 FROM function_versions v WHERE v.module_sha256 = m.sha256)
          AND NOT EXISTS (SELECT 1 FROM function_versions v WHERE v.original_sha256 = m.sha256)
          AND NOT EXISTS (SELECT 1 FROM invocation_recordings r WHERE r.module_sha256 = m.sha256)
          AND m.sha256 <> ALL(@skipped)
        ORDER BY m.sha256 LIMIT @batchSize
        """,
        """
        DELETE FROM modules m
        WHERE m.sha256 = ANY(@locked)
          AND NOT EXISTS (SELECT 1 FROM function_versions v WHERE v.module_sha256 = m.sha256)
          AND NOT EXISTS (SELECT 1 FROM function_versions v WHERE v.original_sha256 = m.sha256)
          AND NOT EXISTS (SELECT 1 FROM invocation_recordings r WHERE r.module_sha256 = m.sha256)
        RETURNING m.sha256
        """);

    private static readonly Collectable Assets = new(
        """
        SELECT a.sha256 FROM assets a
        WHERE NOT EXISTS (SELECT 1 FROM function_versions v WHERE v.assets_sha256 = a.sha256)
          AND a.sha256 <> ALL(@skipped)
        ORDER BY a.sha256 LIMIT @batchSize
        """,
        """
        DELETE FROM assets a
        WHERE a.sha256 = ANY(@locked)
          AND NOT EXISTS (SELECT 1 FROM function_versions v WHERE v.assets_sha256 = a.sha256)
        RETURNING a.sha256
        """);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.Interval;
        if (interval == TimeSpan.Zero)
            return;
        using var timer = new PeriodicTimer(interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await CollectAsync(stoppingToken);
                }
                catch (Exception ex) when (DbErrors.IsUnavailable(ex))
                {
                    LogUnavailable(logger, ex);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // A failed collection must not stop the host: the next one tries again.
                    LogFailed(logger, ex);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>One collection: every unreferenced module and asset bundle not being uploaded right now. Returns the hashes deleted.</summary>
    public async Task<IReadOnlyList<string>> CollectAsync(CancellationToken cancellationToken)
    {
        var collected = new List<string>();
        collected.AddRange(await CollectAsync(Modules, cancellationToken));
        collected.AddRange(await CollectAsync(Assets, cancellationToken));
        if (collected.Count > 0)
        {
            LogCollected(logger, collected.Count);
            foreach (var sha256 in collected) artifacts.Forget(sha256);
            await EvictAsync(collected, cancellationToken);
        }

        return collected;
    }

    private async Task<List<string>> CollectAsync(Collectable kind, CancellationToken cancellationToken)
    {
        var collected = new List<string>();
        var batchSize = options.Value.BatchSize;
        var skipped = new HashSet<string>(StringComparer.Ordinal);
        while (true)
        {
            var candidates = await db.RunAsync(async (connection, token) => (await connection.QueryAsync<string>(Db.Command(
                kind.Candidates, new { skipped = skipped.ToArray(), batchSize }, token))).ToArray(), cancellationToken);
            if (candidates.Length == 0)
                break;
            var deleted = await db.InTransactionAsync((connection, transaction, token) => DeleteUnreferencedAsync(connection, transaction, kind, candidates, token), cancellationToken);
            collected.AddRange(deleted);
            // A candidate an upload holds, or one a version now references, is left for the next collection.
            skipped.UnionWith(candidates.Except(deleted, StringComparer.Ordinal));
            if (candidates.Length < batchSize)
                break;
        }

        return collected;
    }

    /// <summary>
    /// Two statements on purpose: under READ COMMITTED the DELETE takes its snapshot after the
    /// locks are held, so it sees the version of any upload that held one before.
    /// </summary>
    private static async Task<List<string>> DeleteUnreferencedAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Collectable kind, string[] candidates, CancellationToken cancellationToken)
    {
        var locked = (await connection.QueryAsync<string>(Db.Command(
            "SELECT u.sha256 FROM unnest(@candidates::text[], @keys::int[]) AS u(sha256, key) WHERE pg_try_advisory_xact_lock(@space, u.key)",
            new { candidates, keys = candidates.Select(ModuleLocks.Key).ToArray(), space = ModuleLocks.Space }, cancellationToken, transaction))).ToArray();
        if (locked.Length == 0)
            return [];
        return (await connection.QueryAsync<string>(Db.Command(kind.Delete, new { locked }, cancellationToken, transaction))).ToList();
    }

    private async Task EvictAsync(IReadOnlyList<string> collected, CancellationToken cancellationToken)
    {
        foreach (var worker in workers.Live)
        {
            var client = clients.For(worker);
            foreach (var sha256 in collected)
            {
                using var timeout = new CancellationTokenSource(EvictTimeout, time);
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
                try
                {
                    await client.EvictAsync(new V1.EvictRequest { Sha256 = sha256 }, cancellationToken: linked.Token);
                }
                catch (RpcException ex) when (!cancellationToken.IsCancellationRequested)
                {
                    // The next worker still gets its evictions; this one is given up on for now.
                    LogEvictFailed(logger, sha256, worker.Id, ex.StatusCode);
                    break;
                }
            }
        }
    }

    /// <summary>A content-addressed table the collector empties of unreferenced rows: how to find them, and how to delete them once locked.</summary>
    private sealed record Collectable(string Candidates, string Delete);

    [LoggerMessage(Level = LogLevel.Information, Message = "Collected {Count} modules and asset bundles nothing references")]
    private static partial void LogCollected(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not ask worker {Worker} to evict module {Sha256} ({Status}); it keeps an artifact nothing routes to")]
    private static partial void LogEvictFailed(ILogger logger, string sha256, string worker, StatusCode status);

    [LoggerMessage(Level = LogLevel.Error, Message = "Module collection failed")]
    private static partial void LogFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Module collection skipped: the database is unavailable")]
    private static partial void LogUnavailable(ILogger logger, Exception exception);
}
