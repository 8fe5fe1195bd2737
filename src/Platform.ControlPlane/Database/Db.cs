using Dapper;
using Npgsql;
using Polly;

namespace Platform.ControlPlane.Database;

/// <summary>
/// Runs units of work against PostgreSQL through the retry pipeline. A unit of work is the
/// whole delegate (a connection, and for <see cref="InTransactionAsync{T}"/> a transaction),
/// so a retry starts it again from scratch; delegates must not have other side effects.
/// </summary>
internal sealed class Db(NpgsqlDataSource dataSource, ResiliencePipeline pipeline)
{
    static Db() => DefaultTypeMap.MatchNamesWithUnderscores = true;

    public NpgsqlDataSource DataSource { get; } = dataSource;

    public ValueTask<T> RunAsync<T>(Func<NpgsqlConnection, CancellationToken, Task<T>> work, CancellationToken cancellationToken) =>
        pipeline.ExecuteAsync(
            static async (state, token) =>
            {
                await using var connection = await state.DataSource.OpenConnectionAsync(token);
                return await state.work(connection, token);
            },
            (DataSource, work),
            cancellationToken);

    public ValueTask<T> InTransactionAsync<T>(Func<NpgsqlConnection, NpgsqlTransaction, CancellationToken, Task<T>> work, CancellationToken cancellationToken) =>
        pipeline.ExecuteAsync(
            static async (state, token) =>
            {
                await using var connection = await state.DataSource.OpenConnectionAsync(token);
                await using var transaction = await connection.BeginTransactionAsync(token);
                var result = await state.work(connection, transaction, token);
                await transaction.CommitAsync(token);
                return result;
            },
            (DataSource, work),
            cancellationToken);

    public static CommandDefinition Command(string sql, object? parameters, CancellationToken cancellationToken, NpgsqlTransaction? transaction = null) =>
        new(sql, parameters, transaction, cancellationToken: cancellationToken);
}
