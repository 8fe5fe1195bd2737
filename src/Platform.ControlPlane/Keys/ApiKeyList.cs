using System.Globalization;
using Dapper;
using Platform.ControlPlane.Database;
using Platform.ControlPlane.Paging;

namespace Platform.ControlPlane.Keys;

/// <summary>A tenant's keys in creation order, one page at a time (never their secrets or hashes).</summary>
internal sealed class ApiKeyList(Db db, Cursors cursors)
{
    /// <summary>One page; the cursor is bound to the tenant's id.</summary>
    public async Task<Page<ApiKeyInfo>> ListAsync(string tenantName, PageRequest page, CancellationToken cancellationToken) =>
        await db.RunAsync(async (connection, token) =>
        {
            var tenantId = await connection.QuerySingleOrDefaultAsync<Guid?>(Db.Command(
                "SELECT id FROM tenants WHERE name = @tenantName", new { tenantName }, token))
                ?? throw ApiKeyStore.TenantNotFound(tenantName);
            var scope = tenantId.ToString();
            var (afterTime, afterId) = page.Cursor is null ? (DateTime.MinValue, Guid.Empty) : ParsePosition(cursors.Decode(page.Cursor, "keys", scope));
            var rows = (await connection.QueryAsync<KeyRow>(Db.Command(
                """
                SELECT id, prefix, created_at, revoked_at FROM api_keys
                WHERE tenant_id = @tenantId AND (created_at, id) > (@afterTime, @afterId)
                ORDER BY created_at, id LIMIT @take
                """,
                new { tenantId, afterTime, afterId, take = page.Limit + 1 }, token))).ToList();
            return Pages.From(
                rows, page.Limit,
                r => new ApiKeyInfo(r.Id, r.Prefix, ApiKeyStore.Utc(r.CreatedAt), r.RevokedAt is { } at ? ApiKeyStore.Utc(at) : null),
                last => cursors.Encode("keys", scope, string.Create(CultureInfo.InvariantCulture, $"{last.CreatedAt.Ticks}:{last.Id:D}")));
        }, cancellationToken);

    private static (DateTime CreatedAt, Guid Id) ParsePosition(string position)
    {
        var colon = position.IndexOf(':', StringComparison.Ordinal);
        return colon > 0
            && long.TryParse(position.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
            && ticks <= DateTime.MaxValue.Ticks
            && Guid.TryParseExact(position.AsSpan(colon + 1), "D", out var id)
            ? (new DateTime(ticks, DateTimeKind.Utc), id)
            : throw Cursors.Malformed();
    }

    private sealed class KeyRow
    {
        public Guid Id { get; set; }
        public string Prefix { get; set; } = "";
        public DateTime CreatedAt { get; set; }
        public DateTime? RevokedAt { get; set; }
    }
}
