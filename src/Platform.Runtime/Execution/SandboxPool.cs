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

    public static PoolingAllocationConfig Create(RuntimeOptions options)
    {
        var sandboxes = (uint)options.PoolingMaxInstances;
        return new PoolingAllocationConfig()
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
    /// Whether an invocation's memory limit fits a slot. Checked before the store is made: past
    /// the slot, Wasmtime would refuse the memory at instantiation or a grow with -1, and the
    /// function would fail for a limit it was never given.
    /// </summary>
    public static bool Admits(RuntimeOptions options, InvocationLimits limits) =>
        !options.UsePoolingAllocator || limits.MemoryMb <= options.PoolingMaxMemoryMb;
}
