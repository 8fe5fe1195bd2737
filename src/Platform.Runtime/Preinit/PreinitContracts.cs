namespace Platform.Runtime.Preinit;

/// <summary>What the initialiser runs with: the function's argv and environment, and its limits.</summary>
public sealed record PreinitRequest
{
    public IReadOnlyList<string> Args { get; init; } = [];

    public IReadOnlyList<KeyValuePair<string, string>> Env { get; init; } = [];

    public InvocationLimits Limits { get; init; } = InvocationLimits.Default;
}

/// <summary>The pre-initialised module and what producing it cost.</summary>
/// <param name="Module">The snapshot: a valid core module that starts where the initialiser left off.</param>
/// <param name="FuelConsumed">Fuel the start function and the initialiser used.</param>
/// <param name="Initializer">The export that ran (<c>wizer.initialize</c> or <c>wizer-initialize</c>).</param>
public sealed record PreinitSnapshot(byte[] Module, long FuelConsumed, string Initializer);

/// <summary>
/// The initialiser could not be snapshotted. <see cref="Reason"/> is the outcome that stopped it
/// (OUT_OF_FUEL, TIMEOUT, MEMORY_LIMIT, OUTPUT_LIMIT, TRAP, EXIT_NONZERO) or INVALID_MODULE for
/// a module the snapshot cannot carry; the message names the limit or the feature.
/// </summary>
public sealed class PreinitFailedException(Outcome reason, string message) : Exception(message)
{
    public Outcome Reason { get; } = reason;
}

/// <summary>What a caller may ask of a module before deciding to pre-initialise it.</summary>
public static class PreinitModule
{
    /// <summary>The exported initialiser's name (<c>wizer.initialize</c> or <c>wizer-initialize</c>), or null.</summary>
    public static string? FindInitializer(byte[] wasm) => ModuleLayout.FindInitializer(wasm);
}
