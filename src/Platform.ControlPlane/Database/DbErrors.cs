using Npgsql;
using Polly.CircuitBreaker;

namespace Platform.ControlPlane.Database;

/// <summary>
/// Classifies PostgreSQL failures. Transient ones (worth retrying and, when retries run out,
/// reported as UNAVAILABLE) are connection failures (<see cref="NpgsqlException.IsTransient"/>),
/// and the SQLSTATE classes 08 (connection exception), 53 (insufficient resources),
/// 40001 (serialization failure), 40P01 (deadlock) and 57P01-57P03 (server shutting down or
/// not yet accepting connections). Everything else is a bug or a constraint and surfaces.
/// </summary>
public static class DbErrors
{
    public static bool IsTransient(Exception exception) => exception switch
    {
        PostgresException pg => IsTransientSqlState(pg.SqlState),
        NpgsqlException npgsql => npgsql.IsTransient,
        _ => false,
    };

    public static bool IsTransientSqlState(string? sqlState) => sqlState is not null && (
        sqlState.StartsWith("08", StringComparison.Ordinal)
        || sqlState.StartsWith("53", StringComparison.Ordinal)
        || sqlState is "40001" or "40P01" or "57P01" or "57P02" or "57P03");

    /// <summary>
    /// True when the database could not be reached or used at all (or its circuit is open after
    /// such failures, so it was not tried): the caller sees UNAVAILABLE.
    /// </summary>
    public static bool IsUnavailable(Exception exception) => exception is BrokenCircuitException || IsTransient(exception);

    public const string UniqueViolation = "23505";
}
