using Microsoft.Extensions.Options;

namespace Platform.Worker.Invocation;

/// <summary>
/// Bounds the invocations executing at once (<see cref="WorkerOptions.MaxConcurrentInvocations"/>).
/// A caller that finds every slot taken may wait briefly (<see cref="WorkerOptions.QueueTimeout"/>,
/// at most <see cref="WorkerOptions.MaxQueuedInvocations"/> waiting) and is otherwise refused
/// (OVERLOADED), so the control plane can try another worker while the call is still young.
/// </summary>
internal sealed class InvocationGate
{
    private readonly SemaphoreSlim _slots;
    private readonly TimeSpan _queueTimeout;
    private readonly int _maxQueued;
    private int _queued;

    public InvocationGate(IOptions<WorkerOptions> options)
    {
        Capacity = options.Value.MaxConcurrentInvocations;
        _queueTimeout = options.Value.QueueTimeout;
        _maxQueued = _queueTimeout > TimeSpan.Zero ? options.Value.QueueBound : 0;
        _slots = new SemaphoreSlim(Capacity, Capacity);
    }

    public int Capacity { get; }

    public int InFlight => Capacity - _slots.CurrentCount;

    public int Queued => Volatile.Read(ref _queued);

    /// <summary>A call arriving now would run or may wait for a slot.</summary>
    public bool HasRoom => InFlight < Capacity || Queued < _maxQueued;

    /// <summary>Takes a slot, waiting at most the queue timeout; false: refuse the call. Pair a true with <see cref="Exit"/>.</summary>
    public async ValueTask<bool> TryEnterAsync(CancellationToken cancellationToken)
    {
        if (_slots.Wait(0, CancellationToken.None)) return true;
        if (Interlocked.Increment(ref _queued) > _maxQueued)
        {
            Interlocked.Decrement(ref _queued);
            return false;
        }

        try
        {
            return await _slots.WaitAsync(_queueTimeout, cancellationToken);
        }
        finally
        {
            Interlocked.Decrement(ref _queued);
        }
    }

    public void Exit() => _slots.Release();
}
