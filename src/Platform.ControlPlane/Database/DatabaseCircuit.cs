using Polly.CircuitBreaker;

namespace Platform.ControlPlane.Database;

/// <summary>
/// The state of the database circuit breaker (see <see cref="DatabaseOptions.CircuitBreakDuration"/>),
/// shared by the retry pipeline that drives it and the metrics that show it.
/// </summary>
internal sealed class DatabaseCircuit
{
    public CircuitBreakerStateProvider State { get; } = new();

    /// <summary>
    /// The last database calls failed and calls fail fast (open), or one call is testing the
    /// database (half-open). Polly leaves Open only when a call is attempted after the break, so
    /// without traffic this stays true until the next call finds the database back.
    /// </summary>
    public bool IsOpen => State.CircuitState is CircuitState.Open or CircuitState.HalfOpen;
}
