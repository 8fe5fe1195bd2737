using Wasmtime;

namespace Platform.Runtime.Execution;

/// <summary>
/// Advances the engine's epoch on a dedicated thread: timer callbacks would share the thread
/// pool with the invocations they must interrupt, and arrive late exactly when it is busiest.
/// Each wake-up catches up to the ticks that wall-clock time says are due, so a late wake-up
/// coarsens the check but never stretches a deadline.
/// </summary>
internal sealed class EpochTicker : IDisposable
{
    private readonly Engine _engine;
    private readonly TimeSpan _tick;
    private readonly TimeProvider _time;
    private readonly Thread _thread;
    private readonly CancellationTokenSource _stop = new();

    public EpochTicker(Engine engine, TimeSpan tick, TimeProvider time)
    {
        _engine = engine;
        _tick = tick;
        _time = time;
        _thread = new Thread(Run) { IsBackground = true, Name = "wasm-epoch-ticker", Priority = ThreadPriority.AboveNormal };
        _thread.Start();
    }

    public void Dispose()
    {
        _stop.Cancel();
        _thread.Join();
        _stop.Dispose();
    }

    private void Run()
    {
        var started = _time.GetTimestamp();
        long ticks = 0;
        while (!_stop.Token.WaitHandle.WaitOne(_tick))
        {
            var due = (long)(_time.GetElapsedTime(started) / _tick);
            for (; ticks < due; ticks++) _engine.IncrementEpoch();
        }
    }
}
