using Microsoft.Extensions.Options;

namespace Platform.Worker.Invocation;

/// <summary>
/// Bounds the invocations executing at once. There is no queue: a caller that finds every slot
/// taken is refused at once (OVERLOADED), so the control plane can try another worker while the
/// call is still young.
/// </summary>
internal sealed class InvocationGate(IOptions<WorkerOptions> options)
{
    private int _inFlight;

    public int Capacity { get; } = options.Value.MaxConcurrentInvocations;

    public int InFlight => Volatile.Read(ref _inFlight);

    public bool HasRoom => InFlight < Capacity;

    public bool TryEnter()
    {
        if (Interlocked.Increment(ref _inFlight) <= Capacity) return true;
        Interlocked.Decrement(ref _inFlight);
        return false;
    }

    public void Exit() => Interlocked.Decrement(ref _inFlight);
}
