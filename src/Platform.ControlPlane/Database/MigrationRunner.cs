using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Dapper;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Platform.ControlPlane.Database;

/// <summary>
/// Applies the numbered plain-SQL migrations (<c>migrations/NNNN_name.sql</c>, embedded in this
/// assembly) in order, each in its own transaction, under a session-level advisory lock so
/// replicas starting together apply each one exactly once. <c>schema_migrations</c> records
/// what was applied with a checksum; an applied migration is never run again, and one whose text
/// changed after it was applied stops the start-up.
/// </summary>
internal sealed partial class MigrationRunner(NpgsqlDataSource dataSource, ILogger<MigrationRunner> logger)
{
    /// <summary>The advisory lock key: "PlatMigr" in ASCII.</summary>
    public const long LockKey = 0x506C61744D696772;

    private const string ResourcePrefix = "Platform.Migrations.";

    public static IReadOnlyList<Migration> Load()
    {
        var assembly = typeof(MigrationRunner).Assembly;
        var migrations = new List<Migration>();
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            if (!resource.StartsWith(ResourcePrefix, StringComparison.Ordinal) || !resource.EndsWith(".sql", StringComparison.Ordinal))
                continue;
            var name = resource[ResourcePrefix.Length..^4];
            var underscore = name.IndexOf('_', StringComparison.Ordinal);
            if (underscore < 1 || !int.TryParse(name.AsSpan(0, underscore), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var version))
                throw new InvalidOperationException($"migration '{name}.sql' is not named NNNN_description.sql");
            migrations.Add(new Migration(version, name, Read(assembly, resource)));
        }

        migrations.Sort((a, b) => a.Version.CompareTo(b.Version));
        for (var i = 1; i < migrations.Count; i++)
        {
            if (migrations[i].Version == migrations[i - 1].Version)
                throw new InvalidOperationException($"two migrations share number {migrations[i].Version}");
        }

        return migrations;
    }

    /// <summary>Applies what is pending; returns the versions this call applied.</summary>
    public async Task<IReadOnlyList<int>> ApplyAsync(CancellationToken cancellationToken)
    {
        var migrations = Load();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(Db.Command("SELECT pg_advisory_lock(@key)", new { key = LockKey }, cancellationToken));
        try
        {
            await connection.ExecuteAsync(Db.Command(
                """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version     integer     PRIMARY KEY,
                    name        text        NOT NULL,
                    checksum    text        NOT NULL,
                    applied_at  timestamptz NOT NULL DEFAULT now()
                )
                """, null, cancellationToken));
            var applied = (await connection.QueryAsync<(int Version, string Checksum)>(
                    Db.Command("SELECT version, checksum FROM schema_migrations", null, cancellationToken)))
                .ToDictionary(r => r.Version, r => r.Checksum);

            var appliedNow = new List<int>();
            foreach (var migration in migrations)
            {
                if (applied.TryGetValue(migration.Version, out var checksum))
                {
                    if (checksum != migration.Checksum)
                        throw new InvalidOperationException($"migration {migration.Name} was changed after it was applied (checksum {checksum} in the database, {migration.Checksum} now); add a new migration instead");
                    continue;
                }

                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                await using (var command = new NpgsqlCommand(migration.Sql, connection, transaction))
                    await command.ExecuteNonQueryAsync(cancellationToken);
                await connection.ExecuteAsync(Db.Command(
                    "INSERT INTO schema_migrations (version, name, checksum) VALUES (@Version, @Name, @Checksum)",
                    migration, cancellationToken, transaction));
                await transaction.CommitAsync(cancellationToken);
                appliedNow.Add(migration.Version);
                LogApplied(logger, migration.Name);
            }

            return appliedNow;
        }
        finally
        {
            if (connection.State == System.Data.ConnectionState.Open)
                await connection.ExecuteAsync(Db.Command("SELECT pg_advisory_unlock(@key)", new { key = LockKey }, CancellationToken.None));
        }
    }

    private static string Read(Assembly assembly, string resource)
    {
        using var stream = assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"missing resource {resource}");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    internal sealed record Migration(int Version, string Name, string Sql)
    {
        public string Checksum { get; } = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Sql.ReplaceLineEndings("\n"))));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Applied migration {Migration}")]
    private static partial void LogApplied(ILogger logger, string migration);
}
