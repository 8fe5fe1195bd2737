using System.Security.Cryptography;
using Dapper;
using Microsoft.Extensions.Options;
using Platform.ControlPlane.Database;
using Platform.ControlPlane.Errors;
using Platform.ControlPlane.Keys;

namespace Platform.ControlPlane.Auth;

/// <summary>
/// The bearer key to a caller. A key PostgreSQL confirmed is served from the metadata cache while
/// its change listener hears NOTIFY and for at most <see cref="Caching.MetadataCacheOptions.KeyMaxAge"/>
/// after the confirmation (revocations and tenant deletions drop it at once on every replica that
/// hears them); otherwise the key is looked up in PostgreSQL. A spray of made-up keys stays cheap
/// and cannot starve the database for the tenants: a key that cannot be one of ours (wrong shape)
/// and a key already found unknown never reach PostgreSQL, and keys this process has not seen
/// succeed go through a small gate of concurrent lookups, so they never hold more than a few of the
/// pool's connections (the database circuit sees successful queries, never timeouts of a starved pool).
/// </summary>
internal sealed class Authenticator : IAuthenticator, IDisposable
{
    /// <summary>Concurrent lookups of keys not yet seen to succeed; more wait (briefly) for a turn.</summary>
    public const int MaxConcurrentUnknownLookups = 8;

    /// <summary>Unknown key hashes remembered; the set starts over when it is full.</summary>
    public const int MaxRememberedUnknownKeys = 100_000;

    private static readonly TimeSpan LookupTurnTimeout = TimeSpan.FromSeconds(2);

    private readonly Db _db;
    private readonly Caching.MetadataCache _cache;
    private readonly byte[] _adminKeyHash;
    private readonly SemaphoreSlim _unknownLookups = new(MaxConcurrentUnknownLookups);

    // Keys are 256 random bits made here: one that is unknown (or was revoked) never becomes valid,
    // so remembering it is never wrong.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> _unknown = new(StringComparer.Ordinal);
    private long _lookups;

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
        if (!ApiKeySecrets.IsWellFormed(key))
            throw Unauthenticated("the key is not valid");

        // A key confirmed recently, while NOTIFY is heard, is served without a round trip. Otherwise
        // PostgreSQL decides; only when it cannot be reached does a key that authenticated before
        // (and was not revoked or deleted since, as announced by NOTIFY) keep working, so
        // invocations survive an outage.
        var hashKey = Convert.ToHexString(hash);
        if (_cache.TryGetFreshKey(hashKey, out var fresh))
            return fresh;
        if (_unknown.ContainsKey(hashKey))
            throw Unauthenticated("the key is not valid");
        var gated = !_cache.TryGetKey(hashKey, out _);
        if (gated && !await _unknownLookups.WaitAsync(LookupTurnTimeout, cancellationToken))
            throw new PlatformException(ErrorCode.Unavailable, "too many unknown keys are being checked at once; retry later");
        var generation = _cache.Generation;
        KeyRow? row;
        try
        {
            Interlocked.Increment(ref _lookups);
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
        finally
        {
            if (gated) _unknownLookups.Release();
        }

        if (row is null || !CryptographicOperations.FixedTimeEquals(row.KeyHash, hash))
        {
            if (_unknown.Count >= MaxRememberedUnknownKeys) _unknown.Clear();
            _unknown.TryAdd(hashKey, 0);
            throw Unauthenticated("the key is not valid");
        }

        var caller = new Caller.Tenant(row.TenantId, row.TenantName, row.KeyId);
        _cache.PutKey(generation, hashKey, caller);
        return caller;
    }

    public void Dispose() => _unknownLookups.Dispose();

    /// <summary>Key lookups sent to PostgreSQL since start (tests assert what a spray costs).</summary>
    internal long Lookups => Interlocked.Read(ref _lookups);

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
