using Dapper;
using Npgsql;
using Platform.ControlPlane.Database;
using Platform.ControlPlane.Errors;

namespace Platform.ControlPlane.Keys;

internal sealed class ApiKeyStore(Db db, TimeProvider timeProvider, Caching.MetadataCache cache)
{
    /// <summary>Issues a key for a tenant inside the caller's transaction.</summary>
    public async Task<IssuedApiKey> InsertAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid tenantId, CancellationToken cancellationToken)
    {
        var secret = ApiKeySecrets.Generate();
        var key = new IssuedApiKey(Guid.CreateVersion7(), secret, ApiKeySecrets.DisplayPrefix(secret), Now());
        await connection.ExecuteAsync(Db.Command(
            """
            INSERT INTO api_keys (id, tenant_id, key_hash, prefix, created_at)
            VALUES (@Id, @TenantId, @Hash, @Prefix, @CreatedAt)
            """,
            new { key.Id, TenantId = tenantId, Hash = ApiKeySecrets.Hash(secret), key.Prefix, CreatedAt = key.CreatedAt.UtcDateTime },
            cancellationToken, transaction));
        return key;
    }

    public async Task<IssuedApiKey> CreateAsync(string tenantName, CancellationToken cancellationToken) =>
        await db.InTransactionAsync(async (connection, transaction, token) =>
        {
            var tenantId = await connection.QuerySingleOrDefaultAsync<Guid?>(Db.Command(
                "SELECT id FROM tenants WHERE name = @tenantName FOR KEY SHARE", new { tenantName }, token, transaction))
                ?? throw TenantNotFound(tenantName);
            return await InsertAsync(connection, transaction, tenantId, token);
        }, cancellationToken);

    /// <summary>
    /// Revokes a key at once: authentication reads the database on every request while it is
    /// reachable, and the NOTIFY (<c>platform_tenants</c>, after the commit) drops the key from
    /// every replica's fallback cache.
    /// </summary>
    public async Task RevokeAsync(string tenantName, Guid keyId, CancellationToken cancellationToken)
    {
        var tenantId = await db.InTransactionAsync(async (connection, transaction, token) =>
        {
            var revoked = await connection.QuerySingleOrDefaultAsync<Guid?>(Db.Command(
                """
                UPDATE api_keys SET revoked_at = @now
                WHERE id = @keyId AND revoked_at IS NULL
                  AND tenant_id = (SELECT id FROM tenants WHERE name = @tenantName)
                RETURNING tenant_id
                """,
                new { keyId, tenantName, now = Now().UtcDateTime }, token, transaction))
                ?? throw PlatformException.NotFound($"tenant '{tenantName}' has no active key '{keyId}'");
            await Tenants.TenantStore.Notify(connection, transaction, revoked, token);
            return revoked;
        }, cancellationToken);
        cache.TenantChanged(tenantId);
    }

    internal static PlatformException TenantNotFound(string name) => PlatformException.NotFound($"tenant '{name}' does not exist");

    private DateTimeOffset Now() => TruncateToMicroseconds(timeProvider.GetUtcNow());

    internal static DateTimeOffset TruncateToMicroseconds(DateTimeOffset value) => new(value.Ticks - (value.Ticks % 10), TimeSpan.Zero);

    internal static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));
}
