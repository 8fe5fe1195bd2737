using System.Collections.Concurrent;

namespace Platform.Worker.Invocation;

/// <summary>
/// Dedicated threads for the synchronous, CPU-bound sandbox. Running it on the thread pool would
/// let a few long invocations (up to their timeout each) hold the pool's threads on a small
/// machine, and the gRPC and Kestrel I/O that must keep answering (status, overload refusals,
/// heartbeats) would wait for the pool to grow. Threads are started as concurrency first needs
/// them and then kept; <see cref="InvocationGate"/> bounds how many that is.
/// </summary>
internal sealed class SandboxThreads : IDisposable
{
    private readonly BlockingCollection<Action> _queue = new();
    private int _idle;
    private int _threads;

    public int Threads => Volatile.Read(ref _threads);

    public Task<T> Run<T>(Func<T> work, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var completion = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        // The caller's execution context (current activity, logging scopes) flows to the sandbox
        // thread, as it would to a thread-pool thread: the sandbox's span is the call's child.
        var context = ExecutionContext.Capture();
        void Execute()
        {
            try
            {
                completion.SetResult(work());
            }
            catch (Exception ex)
            {
                completion.SetException(ex);
            }
        }

        _queue.Add(context is null ? Execute : () => ExecutionContext.Run(context, static state => ((Action)state!)(), (Action)Execute), cancellationToken);

        // Each item claims an idle thread, or starts one.
        if (Interlocked.Decrement(ref _idle) < 0)
        {
            Interlocked.Increment(ref _idle);
            var number = Interlocked.Increment(ref _threads);
            new Thread(Loop) { IsBackground = true, Name = $"sandbox-{number}" }.Start();
        }

        return completion.Task;
    }

    public void Dispose()
    {
        _queue.CompleteAdding();
    }

    private void Loop()
    {
        try
        {
            foreach (var work in _queue.GetConsumingEnumerable())
            {
                work();
                Interlocked.Increment(ref _idle);
            }
        }
        catch (ObjectDisposedException)
        {
            // Shut down.
        }
    }
}
