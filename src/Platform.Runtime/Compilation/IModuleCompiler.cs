namespace Platform.Runtime.Compilation;

/// <summary>Turns validated Wasm bytes into an artifact of this engine (<c>Module.Serialize</c> output).</summary>
public interface IModuleCompiler
{
    /// <summary>
    /// Compiles <paramref name="wasm"/>. Throws <see cref="InvalidModuleException"/> when the
    /// module does not compile or exceeds the compile budget, and
    /// <see cref="CompilerUnavailableException"/> when no compiler could take it.
    /// <paramref name="partition"/> (a tenant) has at most one compile in flight, so one caller's
    /// uploads cannot occupy every compiler.
    /// </summary>
    Task<byte[]> CompileAsync(byte[] wasm, string? partition, CancellationToken cancellationToken);

    /// <summary>
    /// Runs the module's exported initialiser (<c>wizer.initialize</c> or <c>wizer-initialize</c>)
    /// under <paramref name="request"/>'s limits and gives the snapshot. Throws
    /// <see cref="Preinit.PreinitFailedException"/> when the initialiser failed or the module
    /// cannot be snapshotted (a process over the compile budget is one such failure), and
    /// <see cref="CompilerUnavailableException"/> when no compiler could take it.
    /// </summary>
    Task<Preinit.PreinitSnapshot> PreinitializeAsync(byte[] wasm, Preinit.PreinitRequest request, string? partition, CancellationToken cancellationToken);
}

/// <summary>No compiler could take the module now (queue full, compiler failed to start): UNAVAILABLE, try again.</summary>
public sealed class CompilerUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
