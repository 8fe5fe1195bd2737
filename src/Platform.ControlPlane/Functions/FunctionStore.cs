using System.Text.Json;
using Dapper;
using Npgsql;
using Platform.ControlPlane.Database;
using Platform.ControlPlane.Errors;
using Platform.ControlPlane.Json;
using Platform.ControlPlane.Keys;

namespace Platform.ControlPlane.Functions;

/// <summary>
/// Functions, immutable versions and aliases, always scoped by tenant id: another tenant's
/// function is indistinguishable from one that does not exist.
/// </summary>
internal sealed class FunctionStore(Db db, TimeProvider timeProvider, Caching.MetadataCache cache) : IFunctionCatalog
{
    /// <summary>Channel notified (after commit) on deploy, alias and delete; payload <c>tenant-id/function-name</c>.</summary>
    public const string ChangeChannel = "platform_functions";

    /// <summary>
    /// Stores the module (once per hash) and the next version in one transaction and moves
    /// <c>latest</c>. The function row is locked for the duration, so concurrent deploys of one
    /// name get consecutive versions; creating a function locks the tenant row so the function
    /// count quota holds under concurrency.
    /// </summary>
    public async Task<FunctionVersionInfo> DeployAsync(Guid tenantId, string name, ValidatedModule module, FunctionConfig config, int maxFunctions, CancellationToken cancellationToken) =>
        Changed(tenantId, name, await db.InTransactionAsync(async (connection, transaction, token) =>
        {
            var now = ApiKeyStore.TruncateToMicroseconds(timeProvider.GetUtcNow());
            var function = await LockFunction(connection, transaction, tenantId, name, token);
            if (function is null)
            {
                var tenantLocked = await connection.QuerySingleOrDefaultAsync<int?>(Db.Command(
                    "SELECT 1 FROM tenants WHERE id = @tenantId FOR NO KEY UPDATE", new { tenantId }, token, transaction));
                if (tenantLocked is null)
                    throw new PlatformException(ErrorCode.Unauthenticated, "the key's tenant no longer exists");
                function = await LockFunction(connection, transaction, tenantId, name, token);
                if (function is null)
                {
                    var count = await connection.ExecuteScalarAsync<long>(Db.Command(
                        "SELECT count(*) FROM functions WHERE tenant_id = @tenantId", new { tenantId }, token, transaction));
                    if (count >= maxFunctions)
                        throw new PlatformException(ErrorCode.QuotaExceeded, $"the tenant already has {count} functions; its maxFunctions quota is {maxFunctions}");
                    function = new FunctionRow { Id = Guid.CreateVersion7(), LatestVersion = 0 };
                    await connection.ExecuteAsync(Db.Command(
                        """
                        INSERT INTO functions (id, tenant_id, name, latest_version, created_at, updated_at)
                        VALUES (@Id, @tenantId, @name, 0, @now, @now)
                        """,
                        new { function.Id, tenantId, name, now = now.UtcDateTime }, token, transaction));
                }
            }

            var moduleExists = await connection.ExecuteScalarAsync<bool>(Db.Command(
                "SELECT EXISTS (SELECT 1 FROM modules WHERE sha256 = @Sha256)", new { module.Sha256 }, token, transaction));
            if (!moduleExists)
            {
                await connection.ExecuteAsync(Db.Command(
                    """
                    INSERT INTO modules (sha256, size_bytes, content, created_at) VALUES (@Sha256, @size, @Bytes, @now)
                    ON CONFLICT (sha256) DO NOTHING
                    """,
                    new { module.Sha256, size = (long)module.Bytes.Length, module.Bytes, now = now.UtcDateTime }, token, transaction));
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
            return new FunctionVersionInfo(name, version, module.Sha256, module.Bytes.Length, config, now);
        }, cancellationToken));

    public async Task<IReadOnlyList<FunctionSummary>> ListAsync(Guid tenantId, CancellationToken cancellationToken) =>
        await db.RunAsync(async (connection, token) =>
        {
            var rows = await connection.QueryAsync<FunctionRow>(Db.Command(
                "SELECT id, name, latest_version, created_at, updated_at FROM functions WHERE tenant_id = @tenantId ORDER BY name",
                new { tenantId }, token));
            return (IReadOnlyList<FunctionSummary>)rows.Select(r => r.ToSummary()).ToList();
        }, cancellationToken);

    public async Task<FunctionDetails> GetAsync(Guid tenantId, string name, CancellationToken cancellationToken) =>
        await db.RunAsync(async (connection, token) =>
        {
            var function = await connection.QuerySingleOrDefaultAsync<FunctionRow>(Db.Command(
                "SELECT id, name, latest_version, created_at, updated_at FROM functions WHERE tenant_id = @tenantId AND name = @name",
                new { tenantId, name }, token)) ?? throw FunctionNotFound(name);
            var versions = await connection.QueryAsync<VersionRow>(Db.Command(
                """
                SELECT v.version, v.module_sha256, m.size_bytes, v.config::text AS config, v.created_at
                FROM function_versions v JOIN modules m ON m.sha256 = v.module_sha256
                WHERE v.function_id = @Id ORDER BY v.version
                """, new { function.Id }, token));
            var aliases = await connection.QueryAsync<(string Alias, int Version)>(Db.Command(
                "SELECT alias, version FROM function_aliases WHERE function_id = @Id ORDER BY alias", new { function.Id }, token));
            var summary = function.ToSummary();
            return new FunctionDetails(summary.Name, summary.LatestVersion, summary.CreatedAt, summary.UpdatedAt,
                versions.Select(v => v.ToInfo(name)).ToList(),
                aliases.ToDictionary(a => a.Alias, a => a.Version, StringComparer.Ordinal));
        }, cancellationToken);

    public async Task<(FunctionVersionInfo Version, ModuleContent Module)> GetModuleAsync(Guid tenantId, string name, VersionReference reference, CancellationToken cancellationToken) =>
        await db.RunAsync(async (connection, token) =>
        {
            var row = await connection.QuerySingleOrDefaultAsync<VersionRow>(Db.Command(
                ResolveSql(reference, withContent: true), new { tenantId, name, reference.Version, reference.Alias }, token))
                ?? throw VersionNotFound(name, reference);
            return (row.ToInfo(name), new ModuleContent(row.ModuleSha256, row.Content!));
        }, cancellationToken);

    public async Task<FunctionAlias> SetAliasAsync(Guid tenantId, string name, string alias, int version, CancellationToken cancellationToken) =>
        Changed(tenantId, name, await db.InTransactionAsync(async (connection, transaction, token) =>
        {
            var function = await LockFunction(connection, transaction, tenantId, name, token) ?? throw FunctionNotFound(name);
            var exists = await connection.ExecuteScalarAsync<bool>(Db.Command(
                "SELECT EXISTS (SELECT 1 FROM function_versions WHERE function_id = @Id AND version = @version)",
                new { function.Id, version }, token, transaction));
            if (!exists)
                throw PlatformException.InvalidArgument("version", $"function '{name}' has no version {version}");
            await connection.ExecuteAsync(Db.Command(
                """
                INSERT INTO function_aliases (function_id, alias, version, updated_at) VALUES (@Id, @alias, @version, @now)
                ON CONFLICT (function_id, alias) DO UPDATE SET version = EXCLUDED.version, updated_at = EXCLUDED.updated_at
                """,
                new { function.Id, alias, version, now = timeProvider.GetUtcNow().UtcDateTime }, token, transaction));
            await Notify(connection, transaction, tenantId, name, token);
            return new FunctionAlias(name, alias, version);
        }, cancellationToken));

    /// <summary>Deletes the function with its versions and aliases; modules stay (shared by hash).</summary>
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
            SELECT f.id AS function_id, v.version, v.module_sha256, m.size_bytes, v.config::text AS config, v.created_at{content}
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
        public string Config { get; set; } = "{}";
        public DateTime CreatedAt { get; set; }
        public byte[]? Content { get; set; }

        public FunctionVersionInfo ToInfo(string name) =>
            new(name, Version, ModuleSha256, SizeBytes, ApiJson.DeserializeConfig(Config), ApiKeyStore.Utc(CreatedAt));
    }
}
