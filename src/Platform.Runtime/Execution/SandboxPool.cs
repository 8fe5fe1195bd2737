using Platform.Runtime.Components;
using Wasmtime;

namespace Platform.Runtime.Execution;

/// <summary>
/// The pooling allocator's shape: <see cref="RuntimeOptions.PoolingMaxInstances"/> sandboxes,
/// each with room for the largest thing one invocation may create (a component's core
/// instances, tables and memories; a module's one memory and up to 8 tables), so a sandbox that
/// the store's limits admit never fails for want of a pool slot while fewer than that many run.
/// </summary>
internal static class SandboxPool
{
    /// <summary>Tables a core module may define or import; the store's limit says the same.</summary>
    public const int MaxTablesPerModule = 8;

    /// <summary>
    /// Async stacks: nothing here runs async, yet Wasmtime's default reserves 1,000 of them, each
    /// with a guard page of its own, i.e. some 2,000 memory mappings per engine. Past the
    /// kernel's map count (65,530) an engine's creation fails inside Wasmtime with ENOMEM
    /// ("failed to protect stack guard page"), and that failure aborts the process. The binding
    /// keeps its setter private ("no async support"), hence reflection; PoolingTests pins the
    /// effect (an engine costs a handful of mappings), so a binding without it fails a test.
    /// </summary>
    private const uint UnusedStacks = 1;

    private static readonly System.Reflection.MethodInfo? SetMaxStacks =
        typeof(PoolingAllocationConfig).GetMethod("WithMaxStacks", System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic, [typeof(uint)]);

    public static PoolingAllocationConfig Create(RuntimeOptions options)
    {
        var sandboxes = (uint)options.PoolingMaxInstances;
        var config = new PoolingAllocationConfig();
        SetMaxStacks?.Invoke(config, [UnusedStacks]);
        return config
            .WithMaxCoreInstances(sandboxes * ComponentInvocation.MaxCoreInstances)
            .WithTotalComponentInstances(sandboxes)
            .WithMaxMemories(sandboxes * ComponentInvocation.MaxMemories)
            .WithMaxTables(sandboxes * ComponentInvocation.MaxTables)
            .WithMaxCoreInstancesPerComponent(ComponentInvocation.MaxCoreInstances)
            .WithMaxMemoriesPerComponent(ComponentInvocation.MaxMemories)
            .WithMaxTablesPerComponent(ComponentInvocation.MaxTables)
            .WithMaxTablesPerModule(MaxTablesPerModule)
            .WithMaxMemoriesPerModule(1)
            .WithMaxTableElements(options.MaxTableElements)
            .WithMaxMemorySize((nuint)((ulong)options.PoolingMaxMemoryMb << 20))
            .WithLinearMemoryKeepResidentBytes((nuint)options.PoolingKeepResidentBytes)
            .WithTableKeepResidentBytes((nuint)options.PoolingKeepResidentBytes);
    }

    /// <summary>
    /// The address space the pool reserves, from above: each memory slot takes Wasmtime's 4 GiB
    /// reservation (or the largest memory, if larger) plus its guard regions, and every other
    /// pool (tables, instances) fits in the margin.
    /// </summary>
    public static ulong ReservedBytes(RuntimeOptions options)
    {
        const ulong reservation = 4UL << 30;
        const ulong guardsAndMargin = 64UL << 20;
        var memorySlot = Math.Max(reservation, (ulong)options.PoolingMaxMemoryMb << 20) + guardsAndMargin;
        var memories = (ulong)options.PoolingMaxInstances * ComponentInvocation.MaxMemories;
        var tables = (ulong)options.PoolingMaxInstances * ComponentInvocation.MaxTables * options.MaxTableElements * 8;
        return (memories * memorySlot) + tables + (1UL << 30);
    }

    /// <summary>
    /// Whether an invocation's memory limit fits a slot. Checked before the store is made: past
    /// the slot, Wasmtime would refuse the memory at instantiation or a grow with -1, and the
    /// function would fail for a limit it was never given.
    /// </summary>
    public static bool Admits(RuntimeOptions options, InvocationLimits limits) =>
        !options.UsePoolingAllocator || limits.MemoryMb <= options.PoolingMaxMemoryMb;
}
