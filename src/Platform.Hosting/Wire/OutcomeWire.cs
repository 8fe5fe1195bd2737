using Platform.Contracts.V1;
using Platform.Runtime;

namespace Platform.Hosting.Wire;

/// <summary>A function outcome on the internal wire and back: the worker sends, the control plane reads.</summary>
public static class OutcomeWire
{
    public static InvocationOutcome ToWire(this Outcome outcome) => outcome switch
    {
        Outcome.Ok => InvocationOutcome.Ok,
        Outcome.OutOfFuel => InvocationOutcome.OutOfFuel,
        Outcome.Timeout => InvocationOutcome.Timeout,
        Outcome.MemoryLimit => InvocationOutcome.MemoryLimit,
        Outcome.Trap => InvocationOutcome.Trap,
        Outcome.ExitNonzero => InvocationOutcome.ExitNonzero,
        Outcome.OutputLimit => InvocationOutcome.OutputLimit,
        Outcome.InvalidModule => InvocationOutcome.InvalidModule,
        Outcome.FunctionError => InvocationOutcome.FunctionError,
        _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome, null),
    };

    /// <summary>The outcome a worker reported; false for one this build does not know (unset, or from a newer worker).</summary>
    public static bool TryFromWire(this InvocationOutcome wire, out Outcome outcome)
    {
        outcome = wire switch
        {
            InvocationOutcome.Ok => Outcome.Ok,
            InvocationOutcome.OutOfFuel => Outcome.OutOfFuel,
            InvocationOutcome.Timeout => Outcome.Timeout,
            InvocationOutcome.MemoryLimit => Outcome.MemoryLimit,
            InvocationOutcome.Trap => Outcome.Trap,
            InvocationOutcome.ExitNonzero => Outcome.ExitNonzero,
            InvocationOutcome.OutputLimit => Outcome.OutputLimit,
            InvocationOutcome.InvalidModule => Outcome.InvalidModule,
            InvocationOutcome.FunctionError => Outcome.FunctionError,
            _ => (Outcome)(-1),
        };
        return Enum.IsDefined(outcome);
    }
}
