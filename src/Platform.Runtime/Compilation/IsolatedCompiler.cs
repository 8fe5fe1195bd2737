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

    public void Dispose()
    {
        if (_disposed.IsCancellationRequested) return;
        _disposed.Cancel();
        while (_idle.TryTake(out var process)) process.Dispose();
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

        Interlocked.Increment(ref _started);
        return await CompilerProcess.StartAsync(_optionsJson, _fingerprint, StartTimeout, cancellationToken);
    }
}
