using System.Security.Cryptography;
using Dapper;
using Microsoft.Extensions.Options;
using Platform.ControlPlane.Database;
using Platform.ControlPlane.Errors;
using Platform.ControlPlane.Keys;

namespace Platform.ControlPlane.Auth;

internal sealed class Authenticator : IAuthenticator
{
    private readonly Db _db;
    private readonly Caching.MetadataCache _cache;
    private readonly byte[] _adminKeyHash;

    public Authenticator(Db db, Caching.MetadataCache cache, IOptions<ControlPlaneOptions> options)
    {
        _db = db;
        _cache = cache;
        _adminKeyHash = ApiKeySecrets.Hash(options.Value.AdminKey ?? throw new InvalidOperationException("Platform:AdminKey is required"));
    }

    public async Task<Caller> AuthenticateAsync(string? authorization, CancellationToken cancellationToken)
    {
        var key = ParseBearer(authorization);
        var hash = ApiKeySecrets.Hash(key);
        if (CryptographicOperations.FixedTimeEquals(hash, _adminKeyHash))
            return Caller.Admin.Instance;
        if (!key.StartsWith(ApiKeySecrets.Prefix, StringComparison.Ordinal))
            throw Unauthenticated("the key is not valid");

        // PostgreSQL first, always: a revoked key fails on its next use. Only when PostgreSQL cannot
        // be reached does a key that authenticated before (and was not revoked or deleted since,
        // as announced by NOTIFY) keep working, so invocations survive an outage.
        var hashKey = Convert.ToHexString(hash);
        var generation = _cache.Generation;
        KeyRow? row;
        try
        {
            row = await _db.RunAsync((connection, token) => connection.QuerySingleOrDefaultAsync<KeyRow>(Db.Command(
                """
                SELECT k.id AS key_id, k.key_hash, t.id AS tenant_id, t.name AS tenant_name
                FROM api_keys k JOIN tenants t ON t.id = k.tenant_id
                WHERE k.key_hash = @hash AND k.revoked_at IS NULL
                """, new { hash }, token)), cancellationToken);
        }
        catch (Exception ex) when (DbErrors.IsUnavailable(ex) && _cache.TryGetKey(hashKey, out var known))
        {
            return known;
        }

        if (row is null || !CryptographicOperations.FixedTimeEquals(row.KeyHash, hash))
            throw Unauthenticated("the key is not valid");
        var caller = new Caller.Tenant(row.TenantId, row.TenantName, row.KeyId);
        _cache.PutKey(generation, hashKey, caller);
        return caller;
    }

    private static string ParseBearer(string? authorization)
    {
        if (string.IsNullOrWhiteSpace(authorization))
            throw Unauthenticated("an 'Authorization: Bearer <key>' header is required");
        const string scheme = "Bearer ";
        if (!authorization.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
            throw Unauthenticated("the Authorization header must use the Bearer scheme");
        var key = authorization[scheme.Length..].Trim();
        if (key.Length == 0 || key.Length > ApiKeySecrets.MaxPresentedLength)
            throw Unauthenticated("the key is not valid");
        return key;
    }

    private static PlatformException Unauthenticated(string message) => new(ErrorCode.Unauthenticated, message);

    private sealed class KeyRow
    {
        public Guid KeyId { get; set; }
        public byte[] KeyHash { get; set; } = [];
        public Guid TenantId { get; set; }
        public string TenantName { get; set; } = "";
    }
}
