using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;
using Platform.ControlPlane.Database;
using Platform.ControlPlane.Errors;
using Platform.ControlPlane.Keys;
using Platform.ControlPlane.Paging;
using Platform.ControlPlane.Quotas;

namespace Platform.ControlPlane.Tenants;

internal sealed class TenantStore(Db db, ApiKeyStore keys, IOptions<ControlPlaneOptions> options, TimeProvider timeProvider, Caching.MetadataCache cache, Cursors cursors, Limits.TenantLimits invocationLimits, Limits.ManagementLimits managementLimits) : ITenantDirectory
{
    /// <summary>Channel notified (after commit) when a tenant or its quotas change; payload = tenant id.</summary>
    public const string ChangeChannel = "platform_tenants";

    private const string SelectTenant =
        """
        SELECT t.id, t.name, t.created_at, q.max_fuel, q.max_memory_mb, q.max_timeout_ms, q.max_module_bytes,
               q.max_functions, q.invocations_per_second, q.burst, q.max_concurrency, q.max_input_bytes, q.max_output_bytes,
               q.max_versions_per_function, q.max_aliases_per_function, q.max_stored_bytes, q.management_calls_per_second, q.management_burst,
               q.history_retention_hours, q.max_history_records, q.max_recording_bytes,
               q.max_asset_bytes, q.max_asset_files, q.max_scratch_bytes
        FROM tenants t JOIN tenant_quotas q ON q.tenant_id = t.id
        """;

    private EffectiveQuotas Defaults => options.Value.DefaultQuotas.ToEffective();

    public async Task<CreatedTenant> CreateAsync(string name, QuotaSet overrides, CancellationToken cancellationToken) =>
        await db.InTransactionAsync(async (connection, transaction, token) =>
        {
            var now = ApiKeyStore.TruncateToMicroseconds(timeProvider.GetUtcNow());
            var id = Guid.CreateVersion7();
            var inserted = await connection.ExecuteAsync(Db.Command(
                "INSERT INTO tenants (id, name, created_at) VALUES (@id, @name, @now) ON CONFLICT (name) DO NOTHING",
                new { id, name, now = now.UtcDateTime }, token, transaction));
            if (inserted == 0)
                throw PlatformException.InvalidArgument("name", $"a tenant named '{name}' already exists");
            await connection.ExecuteAsync(Db.Command(
                """
                INSERT INTO tenant_quotas (tenant_id, max_fuel, max_memory_mb, max_timeout_ms, max_module_bytes, max_functions,
                    invocations_per_second, burst, max_concurrency, max_input_bytes, max_output_bytes,
                    max_versions_per_function, max_aliases_per_function, max_stored_bytes, management_calls_per_second, management_burst,
                    history_retention_hours, max_history_records, max_recording_bytes,
                    max_asset_bytes, max_asset_files, max_scratch_bytes, updated_at)
                VALUES (@id, @MaxFuel, @MaxMemoryMb, @MaxTimeoutMs, @MaxModuleBytes, @MaxFunctions,
                    @InvocationsPerSecond, @Burst, @MaxConcurrency, @MaxInputBytes, @MaxOutputBytes,
                    @MaxVersionsPerFunction, @MaxAliasesPerFunction, @MaxStoredBytes, @ManagementCallsPerSecond, @ManagementBurst,
                    @HistoryRetentionHours, @MaxHistoryRecords, @MaxRecordingBytes,
                    @MaxAssetBytes, @MaxAssetFiles, @MaxScratchBytes, @now)
                """,
                QuotaParameters(id, overrides, now), token, transaction));
            var key = await keys.InsertAsync(connection, transaction, id, token);
            return new CreatedTenant(new Tenant(id, name, now, overrides.Over(Defaults), overrides), key);
        }, cancellationToken);

    /// <summary>Tenants by name, one page.</summary>
    public async Task<Page<Tenant>> ListAsync(PageRequest page, CancellationToken cancellationToken)
    {
        var after = page.Cursor is null ? null : cursors.Decode(page.Cursor, "tenants", "");
        var rows = await db.RunAsync(async (connection, token) => (await connection.QueryAsync<TenantRow>(Db.Command(
            SelectTenant + " WHERE (@after::text IS NULL OR t.name > @after) ORDER BY t.name LIMIT @take",
            new { after, take = page.Limit + 1 }, token))).ToList(), cancellationToken);
        return Pages.From(rows, page.Limit, ToTenant, last => cursors.Encode("tenants", "", last.Name));
    }

    public async Task<Tenant> GetAsync(string name, CancellationToken cancellationToken) =>
        await db.RunAsync(async (connection, token) =>
        {
            var row = await connection.QuerySingleOrDefaultAsync<TenantRow>(Db.Command(SelectTenant + " WHERE t.name = @name", new { name }, token));
            return row is null ? throw ApiKeyStore.TenantNotFound(name) : ToTenant(row);
        }, cancellationToken);

    public async Task<Guid?> FindIdAsync(string name, CancellationToken cancellationToken) =>
        await db.RunAsync((connection, token) => connection.QuerySingleOrDefaultAsync<Guid?>(Db.Command("SELECT id FROM tenants WHERE name = @name", new { name }, token)), cancellationToken);

    public async Task<EffectiveQuotas?> GetQuotasAsync(Guid tenantId, CancellationToken cancellationToken) =>
        await db.RunAsync(async (connection, token) =>
        {
            var row = await connection.QuerySingleOrDefaultAsync<TenantRow>(Db.Command(SelectTenant + " WHERE t.id = @tenantId", new { tenantId }, token));
            return row is null ? null : ToTenant(row).Quotas;
        }, cancellationToken);

    /// <summary>Replaces the overrides: a field left null goes back to the platform default.</summary>
    public async Task<Tenant> SetQuotasAsync(string name, QuotaSet overrides, CancellationToken cancellationToken) =>
        Changed(await db.InTransactionAsync(async (connection, transaction, token) =>
        {
            var now = ApiKeyStore.TruncateToMicroseconds(timeProvider.GetUtcNow());
            var id = await connection.QuerySingleOrDefaultAsync<Guid?>(Db.Command(
                "SELECT id FROM tenants WHERE name = @name", new { name }, token, transaction))
                ?? throw ApiKeyStore.TenantNotFound(name);
            await connection.ExecuteAsync(Db.Command(
                """
                UPDATE tenant_quotas SET max_fuel = @MaxFuel, max_memory_mb = @MaxMemoryMb, max_timeout_ms = @MaxTimeoutMs,
                    max_module_bytes = @MaxModuleBytes, max_functions = @MaxFunctions, invocations_per_second = @InvocationsPerSecond,
                    burst = @Burst, max_concurrency = @MaxConcurrency, max_input_bytes = @MaxInputBytes,
                    max_output_bytes = @MaxOutputBytes, max_versions_per_function = @MaxVersionsPerFunction,
                    max_aliases_per_function = @MaxAliasesPerFunction, max_stored_bytes = @MaxStoredBytes,
                    management_calls_per_second = @ManagementCallsPerSecond, management_burst = @ManagementBurst,
                    history_retention_hours = @HistoryRetentionHours, max_history_records = @MaxHistoryRecords,
                    max_recording_bytes = @MaxRecordingBytes, max_asset_bytes = @MaxAssetBytes,
                    max_asset_files = @MaxAssetFiles, max_scratch_bytes = @MaxScratchBytes, updated_at = @now
                WHERE tenant_id = @id
                """,
                QuotaParameters(id, overrides, now), token, transaction));
            await Notify(connection, transaction, id, token);
            var row = await connection.QuerySingleAsync<TenantRow>(Db.Command(SelectTenant + " WHERE t.id = @id", new { id }, token, transaction));
            return ToTenant(row);
        }, cancellationToken), t => t.Id);

    /// <summary>
    /// Deletes the tenant with its keys, quotas, functions, versions and aliases; modules no other
    /// tenant's version references are left to the collector. Its rate and concurrency limiters
    /// on this replica go with it.
    /// </summary>
    public async Task DeleteAsync(string name, CancellationToken cancellationToken)
    {
        var id = Changed(await db.InTransactionAsync(async (connection, transaction, token) =>
        {
            var id = await connection.QuerySingleOrDefaultAsync<Guid?>(Db.Command(
                "DELETE FROM tenants WHERE name = @name RETURNING id", new { name }, token, transaction))
                ?? throw ApiKeyStore.TenantNotFound(name);
            await Notify(connection, transaction, id, token);
            return id;
        }, cancellationToken), id => id);
        invocationLimits.Forget(id);
        managementLimits.Forget(id);
    }

    /// <summary>After the commit: this replica's cache at once (the others through the NOTIFY).</summary>
    private T Changed<T>(T result, Func<T, Guid> tenantId)
    {
        cache.TenantChanged(tenantId(result));
        return result;
    }

    /// <summary>Announces a change of a tenant (quotas, keys, deletion) after the commit of <paramref name="transaction"/>.</summary>
    internal static Task Notify(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid tenantId, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(Db.Command("SELECT pg_notify(@channel, @payload)", new { channel = ChangeChannel, payload = tenantId.ToString() }, cancellationToken, transaction));

    private static object QuotaParameters(Guid id, QuotaSet q, DateTimeOffset now) => new
    {
        id,
        q.MaxFuel,
        q.MaxMemoryMb,
        q.MaxTimeoutMs,
        q.MaxModuleBytes,
        q.MaxFunctions,
        q.InvocationsPerSecond,
        q.Burst,
        q.MaxConcurrency,
        q.MaxInputBytes,
        q.MaxOutputBytes,
        q.MaxVersionsPerFunction,
        q.MaxAliasesPerFunction,
        q.MaxStoredBytes,
        q.ManagementCallsPerSecond,
        q.ManagementBurst,
        q.HistoryRetentionHours,
        q.MaxHistoryRecords,
        q.MaxRecordingBytes,
        q.MaxAssetBytes,
        q.MaxAssetFiles,
        q.MaxScratchBytes,
        now = now.UtcDateTime,
    };

    private Tenant ToTenant(TenantRow row)
    {
        var overrides = new QuotaSet(row.MaxFuel, row.MaxMemoryMb, row.MaxTimeoutMs, row.MaxModuleBytes, row.MaxFunctions,
            row.InvocationsPerSecond, row.Burst, row.MaxConcurrency, row.MaxInputBytes, row.MaxOutputBytes,
            row.MaxVersionsPerFunction, row.MaxAliasesPerFunction, row.MaxStoredBytes, row.ManagementCallsPerSecond, row.ManagementBurst,
            row.HistoryRetentionHours, row.MaxHistoryRecords, row.MaxRecordingBytes,
            row.MaxAssetBytes, row.MaxAssetFiles, row.MaxScratchBytes);
        return new Tenant(row.Id, row.Name, ApiKeyStore.Utc(row.CreatedAt), overrides.Over(Defaults), overrides);
    }

    private sealed class TenantRow
    {
        public Guid Id { get; set; }
        public string Name { get; set; } = "";
        public DateTime CreatedAt { get; set; }
        public long? MaxFuel { get; set; }
        public int? MaxMemoryMb { get; set; }
        public int? MaxTimeoutMs { get; set; }
        public long? MaxModuleBytes { get; set; }
        public int? MaxFunctions { get; set; }
        public int? InvocationsPerSecond { get; set; }
        public int? Burst { get; set; }
        public int? MaxConcurrency { get; set; }
        public long? MaxInputBytes { get; set; }
        public long? MaxOutputBytes { get; set; }
        public int? MaxVersionsPerFunction { get; set; }
        public int? MaxAliasesPerFunction { get; set; }
        public long? MaxStoredBytes { get; set; }
        public int? ManagementCallsPerSecond { get; set; }
        public int? ManagementBurst { get; set; }
        public int? HistoryRetentionHours { get; set; }
        public int? MaxHistoryRecords { get; set; }
        public long? MaxRecordingBytes { get; set; }
        public long? MaxAssetBytes { get; set; }
        public int? MaxAssetFiles { get; set; }
        public long? MaxScratchBytes { get; set; }
    }
}
