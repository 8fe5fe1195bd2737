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
    // A plain queue under a monitor: an idle thread sleeps in Monitor.Wait until it is handed work.
    // BlockingCollection's semaphore spun (sched_yield) before sleeping, and on a busy machine
    // that spinning took a tenth of the worker's CPU.
    private readonly Queue<Action> _queue = new();
    private readonly object _gate = new();
    private int _spare; // threads minus the work handed to them and not yet finished
    private int _waiting;
    private int _threads;
    private bool _disposed;

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

        Action item = context is null ? Execute : () => ExecutionContext.Run(context, static state => ((Action)state!)(), (Action)Execute);
        bool startThread;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _queue.Enqueue(item);
            // Each item claims a spare thread, or starts one; a sleeping thread is woken for it.
            startThread = Interlocked.Decrement(ref _spare) < 0;
            if (startThread) Interlocked.Increment(ref _spare);
            if (_waiting > 0) Monitor.Pulse(_gate);
        }

        if (startThread)
        {
            var number = Interlocked.Increment(ref _threads);
            new Thread(Loop) { IsBackground = true, Name = $"sandbox-{number}" }.Start();
        }

        return completion.Task;
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            Monitor.PulseAll(_gate);
        }
    }

    private void Loop()
    {
        while (true)
        {
            Action work;
            lock (_gate)
            {
                while (_queue.Count == 0)
                {
                    if (_disposed) return;
                    _waiting++;
                    Monitor.Wait(_gate);
                    _waiting--;
                }

                work = _queue.Dequeue();
            }

            work();
            Interlocked.Increment(ref _spare);
        }
    }
}
