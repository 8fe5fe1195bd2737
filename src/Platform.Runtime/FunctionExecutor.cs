using System.Diagnostics;
using Platform.Runtime.Execution;
using Platform.Runtime.Wasi;
using Wasmtime;

namespace Platform.Runtime;

/// <summary>
/// Runs one invocation in a fresh sandbox: a new <see cref="Store"/> whose fuel, epoch deadline
/// and memory/table/instance limits are set before instantiation (start functions run there).
/// Thread-safe: invocations share only the engine, linker and compiled module.
/// </summary>
public sealed class FunctionExecutor(WasmEngine engine)
{
    private const long BytesPerMb = 1L << 20;

    /// <summary>
    /// Runs to completion on the calling thread; the limits bound how long that is. Throws
    /// <see cref="SandboxOverloadedException"/> when the pooling allocator has no free slot.
    /// </summary>
    public InvocationResult Invoke(CompiledModule module, InvocationRequest request)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(request);
        var limits = request.Limits;
        limits.Validate();

        var started = Stopwatch.GetTimestamp();
        var context = new WasiContext(request);
        using var store = new Store(engine.Engine, context);
        store.Fuel = (ulong)limits.Fuel;
        store.SetEpochDeadline(DeadlineTicks(limits.TimeoutMs));
        store.SetLimits(
            memorySize: limits.MemoryMb * BytesPerMb,
            tableElements: engine.Options.MaxTableElements,
            instances: 1,
            tables: 8,
            memories: 1);

        Instance? instance = null;
        Exception? failure = null;
        try
        {
            instance = engine.Linker.Instantiate(store, module.Module);
            var start = instance.GetAction("_start")
                ?? throw new InvalidModuleException("the module exports no _start function");
            start();
        }
        catch (WasmtimeException ex) when (instance is null && ex.Message.Contains("maximum concurrent", StringComparison.Ordinal))
        {
            throw new SandboxOverloadedException("every sandbox slot is in use", ex);
        }
        catch (WasmtimeException ex)
        {
            failure = ex;
        }
        catch (InvalidModuleException ex)
        {
            failure = ex;
        }

        var fuelConsumed = limits.Fuel - (long)store.Fuel;
        var verdict = OutcomeClassifier.Classify(failure, context, MemoryNearLimit(instance, limits));
        return new InvocationResult
        {
            Outcome = verdict.Outcome,
            Message = verdict.Message,
            ExitCode = verdict.Outcome == Outcome.Ok ? 0 : context.ExitCode,
            Output = context.Output,
            Logs = context.Logs,
            LogsTruncated = context.LogsTruncated,
            FuelConsumed = fuelConsumed,
            Duration = Stopwatch.GetElapsedTime(started),
        };
    }

    /// <summary>The deadline in ticks, rounded up, plus one for the tick already under way.</summary>
    private ulong DeadlineTicks(int timeoutMs)
    {
        var tickMs = engine.Options.EpochTick.TotalMilliseconds;
        return (ulong)Math.Ceiling(timeoutMs / tickMs) + 1;
    }

    /// <summary>
    /// Wasmtime refuses a memory.grow past the store limit by returning -1, not by trapping, so
    /// the host cannot see the refusal. A guest that trapped while its memory was within a
    /// sixteenth of the limit (at least one page) is taken to have failed for want of memory:
    /// allocators ask for more than a page, so a refused request leaves some room unused.
    /// </summary>
    private static bool MemoryNearLimit(Instance? instance, InvocationLimits limits)
    {
        var memory = instance?.GetMemory("memory");
        if (memory is null) return false;
        var limit = limits.MemoryMb * BytesPerMb;
        return memory.GetLength() + Math.Max(Memory.PageSize, limit / 16) > limit;
    }
}
