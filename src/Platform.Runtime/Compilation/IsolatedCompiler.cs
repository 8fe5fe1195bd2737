using System.Collections.Concurrent;
using System.Text.Json;

namespace Platform.Runtime.Compilation;

/// <summary>
/// Compiles tenant code in compiler processes under a <see cref="CompileBudget"/>: at most
/// <see cref="CompileBudget.Concurrency"/> at once, at most one per partition (tenant), a bounded
/// queue, and a process killed and replaced when a compile overruns. Thread-safe; one per process.
/// </summary>
public sealed class IsolatedCompiler : IModuleCompiler, IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private readonly CompileBudget _budget;
    private readonly string _optionsJson;
    private readonly string _fingerprint;
    private readonly SemaphoreSlim _slots;
    private readonly ConcurrentBag<CompilerProcess> _idle = [];
    private readonly PartitionGate _partitions = new();
    private readonly CancellationTokenSource _disposed = new();
    private int _admitted;
    private readonly Lock _aheadLock = new();
    private Task<CompilerProcess?>? _ahead;
    private long _started;
    private long _killed;

    public IsolatedCompiler(WasmEngine engine, CompileBudget budget)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(budget);
        budget.Validate();
        _budget = budget;
        _optionsJson = JsonSerializer.Serialize(engine.Options);
        _fingerprint = engine.Fingerprint;
        _slots = new SemaphoreSlim(budget.Concurrency, budget.Concurrency);
    }

    public CompileBudget Budget => _budget;

    /// <summary>Compiler processes started since this compiler was created.</summary>
    public long ProcessesStarted => Interlocked.Read(ref _started);

    /// <summary>Compiler processes killed: compiles over budget, cancelled, or crashed.</summary>
    public long ProcessesKilled => Interlocked.Read(ref _killed);

    public Task<byte[]> CompileAsync(byte[] wasm, string? partition, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(wasm);
        return RunAsync((process, token) => process.CompileAsync(wasm, _budget.For(wasm.Length), token), partition, cancellationToken);
    }

    public async Task<Preinit.PreinitSnapshot> PreinitializeAsync(byte[] wasm, Preinit.PreinitRequest request, string? partition, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(wasm);
        ArgumentNullException.ThrowIfNull(request);
        try
        {
            return await RunAsync((process, token) => process.PreinitializeAsync(wasm, request, _budget.For(wasm.Length), token), partition, cancellationToken);
        }
        catch (InvalidModuleException ex)
        {
            throw new Preinit.PreinitFailedException(Outcome.InvalidModule, ex.Message);
        }
    }

    private async Task<T> RunAsync<T>(Func<CompilerProcess, CancellationToken, Task<T>> request, string? partition, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed.IsCancellationRequested, this);
        if (Interlocked.Increment(ref _admitted) > _budget.Concurrency + _budget.MaxQueued)
        {
            Interlocked.Decrement(ref _admitted);
            throw new CompilerUnavailableException($"every compiler is busy and {_budget.MaxQueued} compiles are waiting; try again shortly");
        }

        try
        {
            using var both = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _disposed.Token);
            using var turn = await _partitions.EnterAsync(partition, both.Token);
            await _slots.WaitAsync(both.Token);
            try
            {
                return await OnAProcessAsync(request, both.Token);
            }
            finally
            {
                _slots.Release();
            }
        }
        finally
        {
            Interlocked.Decrement(ref _admitted);
        }
    }

    /// <summary>
    /// With <see cref="CompileBudget.StartAhead"/>, starts a compiler process in the background when
    /// none is idle or starting, for the next compile to take; a start that fails is left to that compile.
    /// </summary>
    public void StartAhead()
    {
        lock (_aheadLock)
        {
            if (!_budget.StartAhead || _disposed.IsCancellationRequested || !_idle.IsEmpty || _ahead is not null) return;
            Interlocked.Increment(ref _started);
            _ahead = StartQuietlyAsync();
        }
    }

    private async Task<CompilerProcess?> StartQuietlyAsync()
    {
        try
        {
            return await CompilerProcess.StartAsync(_optionsJson, _fingerprint, _budget.ThreadsPerCompile, StartTimeout, _disposed.Token);
        }
        catch (Exception ex) when (ex is CompilerUnavailableException or OperationCanceledException or ObjectDisposedException)
        {
            return null; // the compile that wanted it starts its own and reports what stops it
        }
    }

    private Task<CompilerProcess?>? TakeAhead()
    {
        lock (_aheadLock)
        {
            var ahead = _ahead;
            _ahead = null;
            return ahead;
        }
    }

    public void Dispose()
    {
        if (_disposed.IsCancellationRequested) return;
        _disposed.Cancel();
        while (_idle.TryTake(out var process)) process.Dispose();
        TakeAhead()?.ContinueWith(static started => started.Result?.Dispose(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        _disposed.Dispose();
    }

    private async Task<T> OnAProcessAsync<T>(Func<CompilerProcess, CancellationToken, Task<T>> request, CancellationToken cancellationToken)
    {
        var process = await TakeProcessAsync(cancellationToken);
        var keep = false;
        try
        {
            var result = await request(process, cancellationToken);
            keep = true;
            return result;
        }
        catch (Exception ex) when (ex is InvalidModuleException or Preinit.PreinitFailedException && process.IsUsable)
        {
            keep = true; // a module that does not compile, or an initialiser that failed, leaves the process healthy
            throw;
        }
        finally
        {
            if (keep && !_disposed.IsCancellationRequested)
            {
                _idle.Add(process);
            }
            else
            {
                if (!keep) Interlocked.Increment(ref _killed);
                process.Dispose();
                StartAhead();
            }
        }
    }

    private async Task<CompilerProcess> TakeProcessAsync(CancellationToken cancellationToken)
    {
        while (_idle.TryTake(out var idle))
        {
            if (idle.IsUsable) return idle;
            idle.Dispose();
        }

        // A process started ahead is awaited rather than raced with a second start.
        if (TakeAhead() is { } ahead && await ahead is { } started)
        {
            if (started.IsUsable) return started;
            started.Dispose();
        }

        Interlocked.Increment(ref _started);
        return await CompilerProcess.StartAsync(_optionsJson, _fingerprint, _budget.ThreadsPerCompile, StartTimeout, cancellationToken);
    }
}
