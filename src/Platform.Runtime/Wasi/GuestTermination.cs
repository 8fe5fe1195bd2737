namespace Platform.Runtime.Wasi;

/// <summary>
/// Thrown from a host call to unwind the guest (proc_exit, output cap). Wasmtime turns it into a
/// trap; the executor reads the reason from <see cref="WasiContext"/>, not from the exception.
/// </summary>
internal sealed class GuestTerminationException(string message) : Exception(message);
