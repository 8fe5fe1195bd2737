using Platform.Runtime.Wasi;
using Wasmtime;

namespace Platform.Runtime.Execution;

/// <summary>
/// The one way a sandbox's <see cref="Store"/> is set up (invocations and pre-initialisation
/// alike): fuel, epoch deadline and memory/table/instance limits, all before instantiation,
/// since start functions run there.
/// </summary>
internal static class SandboxStore
{
    private const long BytesPerMb = 1L << 20;

    public static Store Create(WasmEngine engine, WasiContext context, InvocationLimits limits)
    {
        var store = new Store(engine.Engine, context);
        store.Fuel = (ulong)limits.Fuel;
        store.SetEpochDeadline(DeadlineTicks(engine, limits.TimeoutMs));
        store.SetLimits(
            memorySize: limits.MemoryMb * BytesPerMb,
            tableElements: engine.Options.MaxTableElements,
            instances: 1,
            tables: 8,
            memories: 1);
        return store;
    }

    /// <summary>A component's store: the same fuel, deadline and per-memory limit, with room for the component's core instances, tables and memories.</summary>
    public static Store CreateForComponent(WasmEngine engine, InvocationLimits limits, long instances, long tables, long memories)
    {
        var store = new Store(engine.Engine);
        store.Fuel = (ulong)limits.Fuel;
        store.SetEpochDeadline(DeadlineTicks(engine, limits.TimeoutMs));
        store.SetLimits(
            memorySize: limits.MemoryMb * BytesPerMb,
            tableElements: engine.Options.MaxTableElements,
            instances: instances,
            tables: tables,
            memories: memories);
        return store;
    }

    /// <summary>
    /// Wasmtime refuses a memory.grow past the store limit by returning -1, not by trapping, so
    /// the host cannot see the refusal. A guest that trapped while its memory was within a
    /// sixteenth of the limit (at least one page) is taken to have failed for want of memory:
    /// allocators ask for more than a page, so a refused request leaves some room unused.
    /// </summary>
    public static bool MemoryNearLimit(Memory? memory, InvocationLimits limits)
    {
        if (memory is null) return false;
        var limit = limits.MemoryMb * BytesPerMb;
        return memory.GetLength() + Math.Max(Memory.PageSize, limit / 16) > limit;
    }

    /// <summary>The deadline in ticks, rounded up, plus one for the tick already under way.</summary>
    private static ulong DeadlineTicks(WasmEngine engine, int timeoutMs)
    {
        var tickMs = engine.Options.EpochTick.TotalMilliseconds;
        return (ulong)Math.Ceiling(timeoutMs / tickMs) + 1;
    }
}
