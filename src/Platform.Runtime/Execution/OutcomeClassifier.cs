using Platform.Runtime.Validation;
using Platform.Runtime.Wasi;
using Wasmtime;

namespace Platform.Runtime.Execution;

/// <summary>Maps how an invocation ended onto exactly one outcome code.</summary>
internal static class OutcomeClassifier
{
    public static (Outcome Outcome, string? Message) Classify(Exception? failure, WasiContext context, bool memoryNearLimit)
    {
        // The host's own reasons come first: they are recorded before the guest is unwound.
        if (context.Tape.Divergence is { } divergence)
            return (Outcome.Trap, "replay diverged: " + divergence);
        if (context.OutputLimitExceeded)
            return (Outcome.OutputLimit, "the function wrote more output than its limit allows");
        if (context.ExitCode is { } code)
            return code == 0 ? (Outcome.Ok, null) : (Outcome.ExitNonzero, $"the function exited with code {code}");
        if (context.FuelExhausted)
            return (Outcome.OutOfFuel, "the function ran out of fuel");
        if (context.DeadlineExceeded)
            return (Outcome.Timeout, "the function exceeded its time limit");
        if (failure is null)
            return (Outcome.Ok, null);

        return failure switch
        {
            TrapException { Type: TrapCode.OutOfFuel } => (Outcome.OutOfFuel, "the function ran out of fuel"),
            TrapException { Type: TrapCode.Interrupt } => (Outcome.Timeout, "the function exceeded its time limit"),
            TrapException { Type: TrapCode.StackOverflow } => (Outcome.Trap, "wasm trap: call stack exhausted (stack overflow)"),
            TrapException when memoryNearLimit => (Outcome.MemoryLimit, $"the function failed after reaching its memory limit: {WasmtimeMessages.TrapLine(failure)}"),
            TrapException => (Outcome.Trap, WasmtimeMessages.TrapLine(failure)),
            InvalidModuleException => (Outcome.InvalidModule, failure.Message),
            WasmtimeException when WasmtimeMessages.IsMemoryLimitAtInstantiation(failure) =>
                (Outcome.MemoryLimit, $"the module's initial memory exceeds the limit: {ErrorText.FirstLines(failure.Message)}"),
            WasmtimeException when WasmtimeMessages.IsUnknownImport(failure) =>
                (Outcome.InvalidModule, ErrorText.FirstLines(failure.Message)),
            _ => (Outcome.Trap, ErrorText.FirstLines(failure.Message)),
        };
    }
}
