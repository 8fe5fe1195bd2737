namespace Platform.Runtime;

/// <summary>How one invocation ended. The wire form is <see cref="OutcomeCodes.ToCode"/>.</summary>
public enum Outcome
{
    Ok,
    OutOfFuel,
    Timeout,
    MemoryLimit,
    Trap,
    ExitNonzero,
    OutputLimit,
    InvalidModule,

    /// <summary>A component's <c>invoke</c> returned <c>err(message)</c>.</summary>
    FunctionError,
}

public static class OutcomeCodes
{
    /// <summary>The code used everywhere: CLI JSON, problem details, gRPC details; metrics use it lower-cased.</summary>
    public static string ToCode(this Outcome outcome) => outcome switch
    {
        Outcome.Ok => "OK",
        Outcome.OutOfFuel => "OUT_OF_FUEL",
        Outcome.Timeout => "TIMEOUT",
        Outcome.MemoryLimit => "MEMORY_LIMIT",
        Outcome.Trap => "TRAP",
        Outcome.ExitNonzero => "EXIT_NONZERO",
        Outcome.OutputLimit => "OUTPUT_LIMIT",
        Outcome.InvalidModule => "INVALID_MODULE",
        Outcome.FunctionError => "FUNCTION_ERROR",
        _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome, null),
    };

    public static bool TryParse(string code, out Outcome outcome)
    {
        foreach (var candidate in Enum.GetValues<Outcome>())
        {
            if (string.Equals(candidate.ToCode(), code, StringComparison.OrdinalIgnoreCase))
            {
                outcome = candidate;
                return true;
            }
        }

        outcome = default;
        return false;
    }
}
