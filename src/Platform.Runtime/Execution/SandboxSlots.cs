namespace Platform.Runtime.Execution;

/// <summary>
/// Counts the sandboxes alive at once against <see cref="RuntimeOptions.PoolingMaxInstances"/>.
/// The pool holds, per sandbox, room for the largest sandbox (a component's core instances,
/// memories and tables), so a plain module takes a fraction of it and Wasmtime alone would admit
/// several times as many: counting here makes the option mean what it says, and guarantees
/// that an admitted sandbox never finds the pool short.
/// </summary>
internal sealed class SandboxSlots(int capacity)
{
    private int _taken;

    public bool TryTake()
    {
        if (Interlocked.Increment(ref _taken) <= capacity) return true;
        Interlocked.Decrement(ref _taken);
        return false;
    }

    public void Release() => Interlocked.Decrement(ref _taken);
}
