using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Platform.Runtime.Execution;
using Platform.Runtime.Wasi;
using Wasmtime;

namespace Platform.Runtime;

/// <summary>
/// The one Wasmtime engine of a process: fuel and epoch interruption on, a bounded Wasm stack,
/// a background ticker that advances the epoch, and the linker holding our WASI host.
/// Thread-safe; share one instance.
/// </summary>
public sealed class WasmEngine : IDisposable
{
    private readonly EpochTicker _epochTicker;

    public WasmEngine(RuntimeOptions options, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;

        var config = CreateConfig(options).WithParallelCompilation(true);
        Engine = CreateEngine(config, options);
        Linker = new Linker(Engine);
        WasiPreview1.Define(Linker);
        ComponentLinker = Components.ComponentLinking.Create(Engine);

        Fingerprint = ComputeFingerprint(options);
        Slots = options.UsePoolingAllocator ? new SandboxSlots(options.PoolingMaxInstances) : null;
        Time = timeProvider ?? TimeProvider.System;
        _epochTicker = new EpochTicker(Engine, options.EpochTick, Time);
    }

    /// <summary>
    /// The engine of a compiler process: parallel compilation on, its threads bounded by the
    /// process's <c>RAYON_NUM_THREADS</c> (<see cref="Compilation.CompileBudget.ThreadsPerCompile"/>);
    /// one sandbox at a time (a pre-initialisation), so a pool of one.
    /// </summary>
    internal static WasmEngine ForCompilerProcess(RuntimeOptions options) => new(options.WithPoolingMaxInstances(1));

    /// <summary>The clock behind the epoch ticker and the guests' realtime clock.</summary>
    internal TimeProvider Time { get; }

    public RuntimeOptions Options { get; }

    /// <summary>
    /// Identifies everything that changes generated code: the Wasmtime version and the engine
    /// settings. Artifacts compiled under another fingerprint are never loaded.
    /// </summary>
    public string Fingerprint { get; }

    public static string WasmtimeVersion { get; } =
        typeof(Engine).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(Engine).Assembly.GetName().Version?.ToString()
        ?? "unknown";

    /// <summary>The Wasm proposals modules may use beyond the core spec; part of the fingerprint.</summary>
    public const string EnabledFeatures = "bulk-memory,multi-value,reference-types,simd,tail-call";

    internal Engine Engine { get; }

    /// <summary>The pool's sandboxes in use; null without the pooling allocator (nothing to count).</summary>
    internal SandboxSlots? Slots { get; }

    internal Linker Linker { get; }

    /// <summary>WASI 0.2 (cli, clocks, random, io as Wasmtime implements them) for components.</summary>
    internal Wasmtime.Components.ComponentLinker ComponentLinker { get; }

    /// <summary>
    /// The engine's settings, shared with the compiler process so its artifacts load here. Wasm
    /// features are pinned rather than left to Wasmtime's defaults: what a module may use is a
    /// decision of this platform, refused at upload (threads and shared memory, multi-memory, memory64,
    /// GC, exceptions, relaxed SIMD and wide arithmetic are off).
    /// </summary>
    internal static Config CreateConfig(RuntimeOptions options)
    {
        var config = new Config()
            .WithFuelConsumption(true)
            .WithEpochInterruption(true)
            .WithMaximumStackSize(options.MaxWasmStackBytes)
            .WithOptimizationLevel(OptimizationLevel.Speed)
            .WithBulkMemory(true)
            .WithMultiValue(true)
            .WithReferenceTypes(true)
            .WithSIMD(true)
            .WithTailCalls(true)
            .WithRelaxedSIMD(false, false)
            .WithWasmThreads(false)
            .WithMultiMemory(false)
            .WithMemory64(false)
            .WithFunctionReferences(false)
            .WithGc(false)
            .WithExceptions(false)
            .WithWideArithmetic(false)
            .WithComponentModel(true);
        if (options.UsePoolingAllocator)
        {
            config.WithPoolingAllocationStrategy(SandboxPool.Create(options));
            config.WithMemoryInitCopyOnWrite(true);
        }

        return config;
    }

    /// <summary>
    /// Wasmtime reserves the pool's address space here; a process whose address space is capped
    /// below it gets an error naming the keys that shrink it, at start, instead of an abort.
    /// </summary>
    private static Engine CreateEngine(Config config, RuntimeOptions options)
    {
        // Wasmtime aborts the process when the reservation fails: ask the kernel first.
        if (options.UsePoolingAllocator && !AddressSpace.CanReserve(SandboxPool.ReservedBytes(options)))
        {
            config.Dispose();
            throw new InvalidOperationException(
                $"the sandbox pool ({options.PoolingMaxInstances} sandboxes, Platform:Runtime:PoolingMaxInstances) cannot reserve its "
                + $"{SandboxPool.ReservedBytes(options) >> 30} GiB of address space (not memory). Lower Platform:Runtime:PoolingMaxInstances, "
                + "raise the process's address-space limit (ulimit -v), or set Platform:Runtime:UsePoolingAllocator=false.");
        }

        return new Engine(config);
    }

    public void Dispose()
    {
        _epochTicker.Dispose();
        ComponentLinker.Dispose();
        Linker.Dispose();
        Engine.Dispose();
    }

    internal static string ComputeFingerprint(RuntimeOptions options)
    {
        var description = string.Join(';',
            $"wasmtime={WasmtimeVersion}",
            $"arch={System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture}",
            "fuel=1",
            "epoch=1",
            "opt=speed",
            $"features={EnabledFeatures}",
            $"stack={options.MaxWasmStackBytes}",
            $"pooling={(options.UsePoolingAllocator ? $"{options.PoolingMaxMemoryMb}" : "off")}");
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(description)))[..16];
    }
}
