using System.Globalization;
using Dapper;
using Npgsql;
using Platform.ControlPlane.Assets;
using Platform.ControlPlane.Database;
using Platform.ControlPlane.Errors;
using Platform.ControlPlane.Json;
using Platform.ControlPlane.Keys;
using Platform.ControlPlane.Modules;
using Platform.ControlPlane.Paging;
using Platform.ControlPlane.Quotas;
using Platform.Runtime;
using Platform.Runtime.Components;

namespace Platform.ControlPlane.Functions;

/// <summary>
/// Functions, immutable versions and aliases, always scoped by tenant id: another tenant's
/// function is indistinguishable from one that does not exist.
/// </summary>
internal sealed class FunctionStore(Db db, TimeProvider timeProvider, Caching.MetadataCache cache, Cursors cursors) : IFunctionCatalog
{
    /// <summary>Channel notified (after commit) on deploy, alias and delete; payload <c>tenant-id/function-name</c>.</summary>
    public const string ChangeChannel = "platform_functions";

    /// <summary>
    /// Stores the module (once per hash) and the next version in one transaction and moves
    /// <c>latest</c>. The tenant row is locked first (every deploy of the tenant queues behind
    /// it, so the function-count and stored-bytes quotas hold under concurrency), then the
    /// function row (concurrent deploys of one name get consecutive versions, and the
    /// versions-per-function quota holds), then the module hashes and the assets' hash (see
    /// <see cref="ModuleLocks"/>). With a <paramref name="snapshot"/> the version runs it and keeps
    /// <paramref name="module"/> as its upload. A bundle counts in the stored bytes once per tenant, like a module.
    /// </summary>
    public async Task<FunctionVersionInfo> DeployAsync(Guid tenantId, string name, ValidatedModule module, Preinit.PreparedSnapshot? snapshot, UploadedAssets? assets, FunctionConfig config, EffectiveQuotas quotas, CancellationToken cancellationToken) =>
        Changed(tenantId, name, await db.InTransactionAsync(async (connection, transaction, token) =>
        {
            var now = ApiKeyStore.TruncateToMicroseconds(timeProvider.GetUtcNow());
            var tenantLocked = await connection.QuerySingleOrDefaultAsync<int?>(Db.Command(
                "SELECT 1 FROM tenants WHERE id = @tenantId FOR NO KEY UPDATE", new { tenantId }, token, transaction));
            if (tenantLocked is null)
                throw new PlatformException(ErrorCode.Unauthenticated, "the key's tenant no longer exists");
            var function = await LockFunction(connection, transaction, tenantId, name, token);
            if (function is null)
            {
                var count = await connection.ExecuteScalarAsync<long>(Db.Command(
                    "SELECT count(*) FROM functions WHERE tenant_id = @tenantId", new { tenantId }, token, transaction));
                if (count >= quotas.MaxFunctions)
                    throw QuotaExceeded("maxFunctions", $"the tenant already has {count} functions; its maxFunctions quota is {quotas.MaxFunctions}");
                function = new FunctionRow { Id = Guid.CreateVersion7(), LatestVersion = 0 };
                await connection.ExecuteAsync(Db.Command(
                    """
                    INSERT INTO functions (id, tenant_id, name, latest_version, created_at, updated_at)
                    VALUES (@Id, @tenantId, @name, 0, @now, @now)
                    """,
                    new { function.Id, tenantId, name, now = now.UtcDateTime }, token, transaction));
            }
            else
            {
                var versions = await connection.ExecuteScalarAsync<long>(Db.Command(
                    "SELECT count(*) FROM function_versions WHERE function_id = @Id", new { function.Id }, token, transaction));
                if (versions >= quotas.MaxVersionsPerFunction)
                    throw QuotaExceeded("maxVersionsPerFunction", $"function '{name}' already has {versions} versions; its tenant's maxVersionsPerFunction quota is {quotas.MaxVersionsPerFunction} (delete old versions to make room)");
            }

            // The module that runs (the snapshot when pre-initialised), the upload and the assets: all are stored and counted.
            var runs = snapshot?.Module ?? module;
            ValidatedModule[] modules = snapshot is null ? [module] : [module, snapshot.Module];
            foreach (var stored in modules.DistinctBy(m => m.Sha256).OrderBy(m => m.Sha256, StringComparer.Ordinal))
                await connection.ExecuteAsync(Db.Command(ModuleLocks.TakeShared, new { space = ModuleLocks.Space, key = ModuleLocks.Key(stored.Sha256) }, token, transaction));
            if (assets is not null)
                await AssetStore.LockAsync(connection, transaction, assets, token);
            var hashes = modules.Select(m => m.Sha256).Distinct(StringComparer.Ordinal).ToArray();
            var usage = await connection.QuerySingleAsync<(long Bytes, int Referenced, bool AssetsReferenced)>(Db.Command(
                """
                WITH versions AS (
                    SELECT v.module_sha256, v.original_sha256, v.assets_sha256 FROM function_versions v JOIN functions f ON f.id = v.function_id
                    WHERE f.tenant_id = @tenantId),
                referenced AS (
                    SELECT module_sha256 AS sha256 FROM versions
                    UNION
                    SELECT original_sha256 FROM versions WHERE original_sha256 IS NOT NULL),
                referenced_assets AS (SELECT DISTINCT assets_sha256 FROM versions WHERE assets_sha256 IS NOT NULL)
                SELECT ((SELECT coalesce(sum(m.size_bytes), 0) FROM modules m JOIN referenced r ON r.sha256 = m.sha256)
                        + (SELECT coalesce(sum(a.size_bytes), 0) FROM assets a JOIN referenced_assets r ON r.assets_sha256 = a.sha256)
                        + (SELECT coalesce(sum(x.size_bytes), 0) FROM invocation_recordings x WHERE x.tenant_id = @tenantId))::bigint AS bytes,
                       (SELECT count(*) FROM referenced r WHERE r.sha256 = ANY(@hashes))::int AS referenced,
                       EXISTS (SELECT 1 FROM referenced_assets r WHERE r.assets_sha256 = @assetsSha256) AS assets_referenced
                """, new { tenantId, hashes, assetsSha256 = assets?.Sha256 }, token, transaction));
            var referenced = usage.Referenced == hashes.Length ? hashes : (await connection.QueryAsync<string>(Db.Command(
                """
                SELECT h FROM unnest(@hashes::text[]) AS h WHERE EXISTS (
                    SELECT 1 FROM function_versions v JOIN functions f ON f.id = v.function_id
                    WHERE f.tenant_id = @tenantId AND (v.module_sha256 = h OR v.original_sha256 = h))
                """, new { tenantId, hashes }, token, transaction))).ToArray();
            var added = modules.DistinctBy(m => m.Sha256).Where(m => !referenced.Contains(m.Sha256)).Sum(m => (long)m.Bytes.Length)
                + (assets is null || usage.AssetsReferenced ? 0 : assets.Canonical.Length);
            if (added > 0 && usage.Bytes + added > quotas.MaxStoredBytes)
                throw QuotaExceeded("maxStoredBytes", $"the tenant's modules, assets and replay recordings take {usage.Bytes} bytes; {added} more{(snapshot is null ? "" : " (the module and its pre-initialised snapshot)")} would pass its maxStoredBytes quota of {quotas.MaxStoredBytes} (delete versions or functions to make room)");
            if (assets is not null)
                await AssetStore.InsertIfMissingAsync(connection, transaction, assets, now.UtcDateTime, token);

            foreach (var stored in modules.DistinctBy(m => m.Sha256))
            {
                await connection.ExecuteAsync(Db.Command(
                    """
                    INSERT INTO modules (sha256, size_bytes, content, created_at, kind, world) VALUES (@Sha256, @size, @Bytes, @now, @kind, @world)
                    ON CONFLICT (sha256) DO NOTHING
                    """,
                    new { stored.Sha256, size = (long)stored.Bytes.Length, stored.Bytes, now = now.UtcDateTime, kind = stored.Kind.ToName(), world = stored.World?.ToName() }, token, transaction));
            }

            var version = function.LatestVersion + 1;
            await connection.ExecuteAsync(Db.Command(
                """
                INSERT INTO function_versions (function_id, version, module_sha256, assets_sha256, config, created_at, original_sha256, preinit_fuel)
                VALUES (@Id, @version, @runs, @assetsSha256, @config::jsonb, @now, @original, @fuel);
                UPDATE functions SET latest_version = @version, updated_at = @now WHERE id = @Id;
                INSERT INTO function_aliases (function_id, alias, version, updated_at) VALUES (@Id, 'latest', @version, @now)
                ON CONFLICT (function_id, alias) DO UPDATE SET version = EXCLUDED.version, updated_at = EXCLUDED.updated_at;
                """,
                new
                {
                    function.Id,
                    version,
                    runs = runs.Sha256,
                    assetsSha256 = assets?.Sha256,
                    config = ApiJson.SerializeConfig(config),
                    now = now.UtcDateTime,
                    original = snapshot is null ? null : module.Sha256,
                    fuel = snapshot?.FuelConsumed,
                }, token, transaction));
            await Notify(connection, transaction, tenantId, name, token);
            return new FunctionVersionInfo(name, version, module.Sha256, module.Bytes.Length, config, now)
            {
                Preinit = snapshot is null
                    ? PreinitInfo.NotRun(config)
                    : new PreinitInfo(true, snapshot.Module.Sha256, snapshot.Module.Bytes.Length, snapshot.FuelConsumed, null),
                Assets = assets?.View,
                Kind = runs.Kind.ToName(),
                World = runs.World?.ToName(),
            };
        }, cancellationToken));

    /// <summary>The tenant's functions by name, one page.</summary>
    public async Task<Page<FunctionSummary>> ListAsync(Guid tenantId, PageRequest page, CancellationToken cancellationToken)
    {
        var scope = tenantId.ToString();
        var after = page.Cursor is null ? null : cursors.Decode(page.Cursor, "functions", scope);
        var rows = await db.RunAsync(async (connection, token) => (await connection.QueryAsync<FunctionRow>(Db.Command(
            """
            SELECT id, name, latest_version, created_at, updated_at FROM functions
            WHERE tenant_id = @tenantId AND (@after::text IS NULL OR name > @after)
            ORDER BY name LIMIT @take
            """,
            new { tenantId, after, take = page.Limit + 1 }, token))).ToList(), cancellationToken);
        return Pages.From(rows, page.Limit, r => r.ToSummary(), last => cursors.Encode("functions", scope, last.Name));
    }

    /// <summary>The function with its aliases and one page of its versions (ascending); a version cursor is bound to the function's id.</summary>
    public async Task<FunctionDetails> GetAsync(Guid tenantId, string name, PageRequest page, CancellationToken cancellationToken) =>
        await db.RunAsync(async (connection, token) =>
        {
            var function = await connection.QuerySingleOrDefaultAsync<FunctionRow>(Db.Command(
                "SELECT id, name, latest_version, created_at, updated_at FROM functions WHERE tenant_id = @tenantId AND name = @name",
                new { tenantId, name }, token)) ?? throw FunctionNotFound(name);
            var scope = function.Id.ToString();
            var after = page.Cursor is null ? 0 : ParseVersion(cursors.Decode(page.Cursor, "versions", scope));
            var versions = (await connection.QueryAsync<VersionRow>(Db.Command(
                """
                SELECT v.version, v.module_sha256, m.size_bytes, m.kind, m.world, v.config::text AS config, v.created_at,
                       v.original_sha256, o.size_bytes AS original_size_bytes, v.preinit_fuel,
                       v.assets_sha256, a.file_bytes AS asset_bytes, a.file_count AS asset_files
                FROM function_versions v JOIN modules m ON m.sha256 = v.module_sha256
                LEFT JOIN modules o ON o.sha256 = v.original_sha256
                LEFT JOIN assets a ON a.sha256 = v.assets_sha256
                WHERE v.function_id = @Id AND v.version > @after ORDER BY v.version LIMIT @take
                """, new { function.Id, after, take = page.Limit + 1 }, token))).ToList();
            var aliases = await connection.QueryAsync<(string Alias, int Version)>(Db.Command(
                "SELECT alias, version FROM function_aliases WHERE function_id = @Id ORDER BY alias", new { function.Id }, token));
            var summary = function.ToSummary();
            var versionPage = Pages.From(versions, page.Limit, v => v.ToInfo(name), last => cursors.Encode("versions", scope, last.Version.ToString(CultureInfo.InvariantCulture)));
            return new FunctionDetails(summary.Name, summary.LatestVersion, summary.CreatedAt, summary.UpdatedAt,
                versionPage.Items,
                aliases.ToDictionary(a => a.Alias, a => a.Version, StringComparer.Ordinal),
                versionPage.NextCursor);
        }, cancellationToken);

    public async Task<(FunctionVersionInfo Version, ModuleContent Module)> GetModuleAsync(Guid tenantId, string name, VersionReference reference, CancellationToken cancellationToken) =>
        await db.RunAsync(async (connection, token) =>
        {
            var row = await connection.QuerySingleOrDefaultAsync<VersionRow>(Db.Command(
                ResolveSql(reference, withContent: true), new { tenantId, name, reference.Version, reference.Alias }, token))
                ?? throw VersionNotFound(name, reference);
            return (row.ToInfo(name), new ModuleContent(row.OriginalSha256 ?? row.ModuleSha256, row.Content!));
        }, cancellationToken);

    /// <summary>Creates or moves an alias; a new one beyond <c>maxAliasesPerFunction</c> (<c>latest</c> not counted) is refused under the function's row lock.</summary>
    public async Task<FunctionAlias> SetAliasAsync(Guid tenantId, string name, string alias, int version, int maxAliases, CancellationToken cancellationToken) =>
        Changed(tenantId, name, await db.InTransactionAsync(async (connection, transaction, token) =>
        {
            var function = await LockFunction(connection, transaction, tenantId, name, token) ?? throw FunctionNotFound(name);
            var exists = await connection.ExecuteScalarAsync<bool>(Db.Command(
                "SELECT EXISTS (SELECT 1 FROM function_versions WHERE function_id = @Id AND version = @version)",
                new { function.Id, version }, token, transaction));
            if (!exists)
                throw PlatformException.InvalidArgument("version", $"function '{name}' has no version {version}");
            var counts = await connection.QuerySingleAsync<(long Others, bool Exists)>(Db.Command(
                """
                SELECT count(*) FILTER (WHERE alias <> 'latest') AS others, coalesce(bool_or(alias = @alias), false) AS exists
                FROM function_aliases WHERE function_id = @Id
                """, new { function.Id, alias }, token, transaction));
            if (!counts.Exists && counts.Others >= maxAliases)
                throw QuotaExceeded("maxAliasesPerFunction", $"function '{name}' already has {counts.Others} aliases besides 'latest'; its tenant's maxAliasesPerFunction quota is {maxAliases}");
            await connection.ExecuteAsync(Db.Command(
                """
                INSERT INTO function_aliases (function_id, alias, version, updated_at) VALUES (@Id, @alias, @version, @now)
                ON CONFLICT (function_id, alias) DO UPDATE SET version = EXCLUDED.version, updated_at = EXCLUDED.updated_at
                """,
                new { function.Id, alias, version, now = timeProvider.GetUtcNow().UtcDateTime }, token, transaction));
            await Notify(connection, transaction, tenantId, name, token);
            return new FunctionAlias(name, alias, version);
        }, cancellationToken));

    /// <summary>Deletes the function with its versions and aliases; modules no other version references are left to the collector.</summary>
    public async Task DeleteAsync(Guid tenantId, string name, CancellationToken cancellationToken) =>
        Changed(tenantId, name, await db.InTransactionAsync(async (connection, transaction, token) =>
        {
            var deleted = await connection.ExecuteAsync(Db.Command(
                "DELETE FROM functions WHERE tenant_id = @tenantId AND name = @name", new { tenantId, name }, token, transaction));
            if (deleted == 0)
                throw FunctionNotFound(name);
            await Notify(connection, transaction, tenantId, name, token);
            return deleted;
        }, cancellationToken));

    /// <summary>
    /// Deletes one version, refused (FAILED_PRECONDITION) while an alias points at it: <c>latest</c>
    /// always does at the newest, so a function keeps at least one version. Version numbers are not
    /// reused; the module is left to the collector.
    /// </summary>
    public async Task DeleteVersionAsync(Guid tenantId, string name, int version, CancellationToken cancellationToken) =>
        Changed(tenantId, name, await db.InTransactionAsync(async (connection, transaction, token) =>
        {
            var function = await LockFunction(connection, transaction, tenantId, name, token) ?? throw FunctionNotFound(name);
            var aliases = (await connection.QueryAsync<string>(Db.Command(
                "SELECT alias FROM function_aliases WHERE function_id = @Id AND version = @version ORDER BY alias",
                new { function.Id, version }, token, transaction))).ToList();
            if (aliases.Count > 0)
            {
                throw new PlatformException(ErrorCode.FailedPrecondition,
                    $"version {version} of function '{name}' is what {string.Join(", ", aliases.Select(a => $"'{a}'"))} point{(aliases.Count == 1 ? "s" : "")} at; move the alias first (the newest version is always 'latest')",
                    "version");
            }

            var deleted = await connection.ExecuteAsync(Db.Command(
                "DELETE FROM function_versions WHERE function_id = @Id AND version = @version", new { function.Id, version }, token, transaction));
            if (deleted == 0)
                throw VersionNotFound(name, new VersionReference(version, null));
            await Notify(connection, transaction, tenantId, name, token);
            return deleted;
        }, cancellationToken));

    public async Task<ResolvedFunction?> ResolveAsync(Guid tenantId, string name, string? reference, CancellationToken cancellationToken)
    {
        var parsed = reference is null ? new VersionReference(null, VersionReference.Latest) : VersionReference.Parse(reference, "version");
        return await db.RunAsync(async (connection, token) =>
        {
            var row = await connection.QuerySingleOrDefaultAsync<VersionRow>(Db.Command(
                ResolveSql(parsed, withContent: false), new { tenantId, name, parsed.Version, parsed.Alias }, token));
            return row is null ? null : new ResolvedFunction(tenantId, row.FunctionId, name, row.Version, row.ModuleSha256, row.SizeBytes, ApiJson.DeserializeConfig(row.Config)) { AssetsSha256 = row.AssetsSha256 };
        }, cancellationToken);
    }

    public async Task<ModuleContent?> GetModuleAsync(string sha256, CancellationToken cancellationToken) =>
        await db.RunAsync(async (connection, token) =>
        {
            var content = await connection.QuerySingleOrDefaultAsync<byte[]>(Db.Command(
                "SELECT content FROM modules WHERE sha256 = @sha256", new { sha256 }, token));
            return content is null ? null : new ModuleContent(sha256, content);
        }, cancellationToken);

    private static PlatformException QuotaExceeded(string quota, string message) => new(ErrorCode.QuotaExceeded, message, quota);

    private static int ParseVersion(string position) =>
        int.TryParse(position, NumberStyles.None, CultureInfo.InvariantCulture, out var version) ? version : throw Cursors.Malformed();

    internal static PlatformException FunctionNotFound(string name) => PlatformException.NotFound($"function '{name}' does not exist");

    private static PlatformException VersionNotFound(string name, VersionReference reference) => reference.Version is { } v
        ? PlatformException.NotFound($"function '{name}' does not exist or has no version {v}")
        : PlatformException.NotFound($"function '{name}' does not exist or has no alias '{reference.Alias}'");

    private static string ResolveSql(VersionReference reference, bool withContent)
    {
        var content = withContent ? ", coalesce(o.content, m.content) AS content" : "";
        var versionFilter = reference.Version is not null
            ? "v.version = @Version"
            : "v.version = (SELECT a.version FROM function_aliases a WHERE a.function_id = f.id AND a.alias = @Alias)";
        return $"""
            SELECT f.id AS function_id, v.version, v.module_sha256, m.size_bytes, m.kind, m.world, v.config::text AS config, v.created_at,
                   v.original_sha256, o.size_bytes AS original_size_bytes, v.preinit_fuel{content},
                   v.assets_sha256, a.file_bytes AS asset_bytes, a.file_count AS asset_files
            FROM functions f
            JOIN function_versions v ON v.function_id = f.id
            JOIN modules m ON m.sha256 = v.module_sha256
            LEFT JOIN modules o ON o.sha256 = v.original_sha256
            LEFT JOIN assets a ON a.sha256 = v.assets_sha256
            WHERE f.tenant_id = @tenantId AND f.name = @name AND {versionFilter}
            """;
    }

    private static Task<FunctionRow?> LockFunction(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid tenantId, string name, CancellationToken cancellationToken) =>
        connection.QuerySingleOrDefaultAsync<FunctionRow>(Db.Command(
            "SELECT id, name, latest_version, created_at, updated_at FROM functions WHERE tenant_id = @tenantId AND name = @name FOR UPDATE",
            new { tenantId, name }, cancellationToken, transaction));

    /// <summary>After the commit: this replica's cache at once (the others through the NOTIFY).</summary>
    private T Changed<T>(Guid tenantId, string name, T result)
    {
        cache.FunctionChanged(tenantId, name);
        return result;
    }

    private static Task Notify(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid tenantId, string name, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(Db.Command("SELECT pg_notify(@channel, @payload)", new { channel = ChangeChannel, payload = $"{tenantId}/{name}" }, cancellationToken, transaction));

    private sealed class FunctionRow
    {
        public Guid Id { get; set; }
        public string Name { get; set; } = "";
        public int LatestVersion { get; set; }
        public DateTime CreatedAt { get; set; }
        public DateTime UpdatedAt { get; set; }

        public FunctionSummary ToSummary() => new(Name, LatestVersion, ApiKeyStore.Utc(CreatedAt), ApiKeyStore.Utc(UpdatedAt));
    }

    private sealed class VersionRow
    {
        public Guid FunctionId { get; set; }
        public int Version { get; set; }
        public string ModuleSha256 { get; set; } = "";
        public long SizeBytes { get; set; }
        public string Kind { get; set; } = "module";
        public string? World { get; set; }
        public string Config { get; set; } = "{}";
        public DateTime CreatedAt { get; set; }
        public byte[]? Content { get; set; }
        public string? OriginalSha256 { get; set; }
        public long? OriginalSizeBytes { get; set; }
        public long? PreinitFuel { get; set; }
        public string? AssetsSha256 { get; set; }
        public long? AssetBytes { get; set; }
        public int? AssetFiles { get; set; }

        /// <summary>The upload's hash and size; <see cref="FunctionVersionInfo.Preinit"/> names the snapshot that runs, if any.</summary>
        public FunctionVersionInfo ToInfo(string name)
        {
            var config = ApiJson.DeserializeConfig(Config);
            var assets = AssetsSha256 is null ? null : new VersionAssets(AssetsSha256, AssetBytes ?? 0, AssetFiles ?? 0);
            return OriginalSha256 is null
                ? new(name, Version, ModuleSha256, SizeBytes, config, ApiKeyStore.Utc(CreatedAt)) { Preinit = PreinitInfo.NotRun(config), Assets = assets, Kind = Kind, World = World }
                : new(name, Version, OriginalSha256, OriginalSizeBytes ?? 0, config, ApiKeyStore.Utc(CreatedAt))
                {
                    Preinit = new PreinitInfo(true, ModuleSha256, SizeBytes, PreinitFuel, null),
                    Assets = assets,
                    Kind = Kind,
                    World = World,
                };
        }
    }
}
