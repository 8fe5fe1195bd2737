using Dapper;
using Npgsql;
using Platform.ControlPlane.Database;
using Platform.ControlPlane.Modules;

namespace Platform.ControlPlane.Assets;

/// <summary>
/// Asset bundles stored once per SHA-256 of their canonical tar, shared like modules and guarded
/// by the same advisory locks (<see cref="ModuleLocks"/>: the hash spaces do not meet, and a
/// shared key would only serialise two uploads), so the collector never deletes a bundle between
/// an upload finding it and the upload's version referencing it.
/// </summary>
internal sealed class AssetStore(Db db)
{
    /// <summary>The canonical tar with that hash, or null. For workers (cluster token), never for tenants.</summary>
    public async Task<byte[]?> GetContentAsync(string sha256, CancellationToken cancellationToken) =>
        await db.RunAsync((connection, token) => connection.QuerySingleOrDefaultAsync<byte[]>(Db.Command(
            "SELECT content FROM assets WHERE sha256 = @sha256", new { sha256 }, token)), cancellationToken);

    /// <summary>Inside a deploy's transaction, before it looks for the row: the hash's shared lock, held to the commit.</summary>
    public static async Task LockAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, UploadedAssets assets, CancellationToken cancellationToken) =>
        await connection.ExecuteAsync(Db.Command(ModuleLocks.TakeShared, new { space = ModuleLocks.Space, key = ModuleLocks.Key(assets.Sha256) }, cancellationToken, transaction));

    public static async Task InsertIfMissingAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, UploadedAssets assets, DateTime now, CancellationToken cancellationToken)
    {
        var exists = await connection.ExecuteScalarAsync<bool>(Db.Command(
            "SELECT EXISTS (SELECT 1 FROM assets WHERE sha256 = @Sha256)", new { assets.Sha256 }, cancellationToken, transaction));
        if (exists)
            return;
        await connection.ExecuteAsync(Db.Command(
            """
            INSERT INTO assets (sha256, size_bytes, file_bytes, file_count, content, created_at)
            VALUES (@Sha256, @size, @FileBytes, @FileCount, @Canonical, @now)
            ON CONFLICT (sha256) DO NOTHING
            """,
            new { assets.Sha256, size = (long)assets.Canonical.Length, assets.FileBytes, assets.FileCount, assets.Canonical, now }, cancellationToken, transaction));
    }
}
