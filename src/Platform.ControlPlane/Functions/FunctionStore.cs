using System.Globalization;
using Dapper;
using Npgsql;
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
    /// versions-per-function quota holds), then the module hash (see <see cref="ModuleLocks"/>).
    /// </summary>
    public async Task<FunctionVersionInfo> DeployAsync(Guid tenantId, string name, ValidatedModule module, FunctionConfig config, EffectiveQuotas quotas, CancellationToken cancellationToken) =>
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

            await connection.ExecuteAsync(Db.Command(ModuleLocks.TakeShared, new { space = ModuleLocks.Space, key = ModuleLocks.Key(module.Sha256) }, token, transaction));
            var stored = await connection.QuerySingleAsync<(long Bytes, bool Referenced)>(Db.Command(
                """
                WITH referenced AS (
                    SELECT DISTINCT v.module_sha256 FROM function_versions v JOIN functions f ON f.id = v.function_id
                    WHERE f.tenant_id = @tenantId)
                SELECT (coalesce(sum(m.size_bytes), 0)
                        + (SELECT coalesce(sum(x.size_bytes), 0) FROM invocation_recordings x WHERE x.tenant_id = @tenantId))::bigint AS bytes,
                       EXISTS (SELECT 1 FROM referenced r WHERE r.module_sha256 = @Sha256) AS referenced
                FROM modules m JOIN referenced r ON r.module_sha256 = m.sha256
                """, new { tenantId, module.Sha256 }, token, transaction));
            if (!stored.Referenced && stored.Bytes + module.Bytes.Length > quotas.MaxStoredBytes)
                throw QuotaExceeded("maxStoredBytes", $"the tenant's modules and replay recordings take {stored.Bytes} bytes; {module.Bytes.Length} more would pass its maxStoredBytes quota of {quotas.MaxStoredBytes} (delete versions or functions to make room)");

            var kind = module.Kind.ToName();
            var world = module.World?.ToName();
            var moduleExists = await connection.ExecuteScalarAsync<bool>(Db.Command(
                "SELECT EXISTS (SELECT 1 FROM modules WHERE sha256 = @Sha256)", new { module.Sha256 }, token, transaction));
            if (!moduleExists)
            {
                await connection.ExecuteAsync(Db.Command(
                    """
                    INSERT INTO modules (sha256, size_bytes, content, created_at, kind, world) VALUES (@Sha256, @size, @Bytes, @now, @kind, @world)
                    ON CONFLICT (sha256) DO NOTHING
                    """,
                    new { module.Sha256, size = (long)module.Bytes.Length, module.Bytes, now = now.UtcDateTime, kind, world }, token, transaction));
            }

            var version = function.LatestVersion + 1;
            await connection.ExecuteAsync(Db.Command(
                """
                INSERT INTO function_versions (function_id, version, module_sha256, config, created_at)
                VALUES (@Id, @version, @Sha256, @config::jsonb, @now);
                UPDATE functions SET latest_version = @version, updated_at = @now WHERE id = @Id;
                INSERT INTO function_aliases (function_id, alias, version, updated_at) VALUES (@Id, 'latest', @version, @now)
                ON CONFLICT (function_id, alias) DO UPDATE SET version = EXCLUDED.version, updated_at = EXCLUDED.updated_at;
                """,
                new { function.Id, version, module.Sha256, config = ApiJson.SerializeConfig(config), now = now.UtcDateTime }, token, transaction));
            await Notify(connection, transaction, tenantId, name, token);
            return new FunctionVersionInfo(name, version, module.Sha256, module.Bytes.Length, config, now) { Kind = kind, World = world };
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
                SELECT v.version, v.module_sha256, m.size_bytes, m.kind, m.world, v.config::text AS config, v.created_at
                FROM function_versions v JOIN modules m ON m.sha256 = v.module_sha256
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
            return (row.ToInfo(name), new ModuleContent(row.ModuleSha256, row.Content!));
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
            return row is null ? null : new ResolvedFunction(tenantId, row.FunctionId, name, row.Version, row.ModuleSha256, row.SizeBytes, ApiJson.DeserializeConfig(row.Config));
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
        var content = withContent ? ", m.content" : "";
        var versionFilter = reference.Version is not null
            ? "v.version = @Version"
            : "v.version = (SELECT a.version FROM function_aliases a WHERE a.function_id = f.id AND a.alias = @Alias)";
        return $"""
            SELECT f.id AS function_id, v.version, v.module_sha256, m.size_bytes, m.kind, m.world, v.config::text AS config, v.created_at{content}
            FROM functions f
            JOIN function_versions v ON v.function_id = f.id
            JOIN modules m ON m.sha256 = v.module_sha256
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

        public FunctionVersionInfo ToInfo(string name) =>
            new(name, Version, ModuleSha256, SizeBytes, ApiJson.DeserializeConfig(Config), ApiKeyStore.Utc(CreatedAt)) { Kind = Kind, World = World };
    }
}
