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

        var config = new Config()
            .WithFuelConsumption(true)
            .WithEpochInterruption(true)
            .WithMaximumStackSize(options.MaxWasmStackBytes)
            .WithOptimizationLevel(OptimizationLevel.Speed);
        if (options.UsePoolingAllocator)
        {
            var slots = (uint)options.PoolingMaxInstances;
            config.WithPoolingAllocationStrategy(new PoolingAllocationConfig()
                .WithMaxCoreInstances(slots)
                .WithMaxMemories(slots)
                .WithMaxTables(slots * 8)
                .WithMaxTableElements(options.MaxTableElements)
                .WithMaxMemorySize((nuint)((ulong)options.PoolingMaxMemoryMb << 20)));
        }

        Engine = new Engine(config);
        Linker = new Linker(Engine);
        WasiPreview1.Define(Linker);

        Fingerprint = ComputeFingerprint(options);
        _epochTicker = new EpochTicker(Engine, options.EpochTick, timeProvider ?? TimeProvider.System);
    }

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

    internal Engine Engine { get; }

    internal Linker Linker { get; }

    public void Dispose()
    {
        _epochTicker.Dispose();
        Linker.Dispose();
        Engine.Dispose();
    }

    private static string ComputeFingerprint(RuntimeOptions options)
    {
        var description = string.Join(';',
            $"wasmtime={WasmtimeVersion}",
            $"arch={System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture}",
            "fuel=1",
            "epoch=1",
            "opt=speed",
            $"stack={options.MaxWasmStackBytes}",
            $"pooling={(options.UsePoolingAllocator ? $"{options.PoolingMaxMemoryMb}" : "off")}");
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(description)))[..16];
    }
}
