using Platform.Runtime.Execution;
using Platform.Runtime.Wasi;
using Wasmtime;

namespace Platform.Runtime.Tests;

/// <summary>
/// Each Wasmtime message the runtime recognises by its text, produced by real Wasmtime and
/// recognised: a Wasmtime upgrade that rewords one of them fails here.
/// </summary>
public sealed class WasmtimeMessagesTests
{
    private const string NoImports = """(module (memory 1) (func (export "_start")))""";

    [Fact]
    public void PoolingSlotsAllTaken_IsRecognised_AndTheExecutorSaysOverloaded()
    {
        var options = new RuntimeOptions
        {
            CacheDir = Path.Combine(Path.GetTempPath(), "platform-tests", Guid.NewGuid().ToString("N")),
            UsePoolingAllocator = true,
            PoolingMaxInstances = 1,
        };
        using (var sandbox = new TestSandbox(options))
        {
            var module = sandbox.Compile(NoImports);
            // A sandbox's share of the pool holds a component's memories: plain modules taken
            // behind the executor's back fill it after a few.
            var holders = new List<Store>();
            WasmtimeException? error = null;
            for (var i = 0; i < 64 && error is null; i++)
            {
                var holder = new Store(sandbox.Engine.Engine);
                holders.Add(holder);
                try
                {
                    _ = sandbox.Engine.Linker.Instantiate(holder, module.Module!);
                }
                catch (WasmtimeException ex)
                {
                    error = ex;
                }
            }

            Assert.NotNull(error);

            Assert.True(WasmtimeMessages.IsPoolExhausted(error), error.Message);
            Assert.Throws<SandboxOverloadedException>(() => sandbox.Run(module));
            holders.ForEach(h => h.Dispose());
        }

        Directory.Delete(options.CacheDir, recursive: true);
    }

    [Fact]
    public void UndefinedImport_IsRecognised_AsAnInvalidModule()
    {
        using var sandbox = new TestSandbox();
        using var module = Module.FromText(sandbox.Engine.Engine, "evil", """(module (import "evil_host" "open_socket" (func)) (func (export "_start")))""");
        using var store = new Store(sandbox.Engine.Engine);

        var error = Assert.ThrowsAny<WasmtimeException>(() => sandbox.Engine.Linker.Instantiate(store, module));

        Assert.True(WasmtimeMessages.IsUnknownImport(error), error.Message);
        Assert.False(WasmtimeMessages.IsMemoryLimitAtInstantiation(error), error.Message);
        Assert.Equal(Outcome.InvalidModule, OutcomeClassifier.Classify(error, NewContext(), memoryNearLimit: false).Outcome);
    }

    [Fact]
    public void InitialMemoryAboveTheStoreLimit_IsRecognised_AsTheMemoryLimit()
    {
        using var sandbox = new TestSandbox();
        var module = sandbox.Compile(Wat.BigInitialMemory);
        using var store = new Store(sandbox.Engine.Engine);
        store.SetLimits(memorySize: 16L << 20);

        var error = Assert.ThrowsAny<WasmtimeException>(() => sandbox.Engine.Linker.Instantiate(store, module.Module!));

        Assert.IsNotType<TrapException>(error);
        Assert.True(WasmtimeMessages.IsMemoryLimitAtInstantiation(error), error.Message);
        Assert.False(WasmtimeMessages.IsUnknownImport(error), error.Message);
        Assert.Equal(Outcome.MemoryLimit, OutcomeClassifier.Classify(error, NewContext(), memoryNearLimit: false).Outcome);
    }

    [Fact]
    public void Trap_HasTheLineThatStatesIt()
    {
        using var sandbox = new TestSandbox();
        var module = sandbox.Compile(Wat.Unreachable);
        using var store = new Store(sandbox.Engine.Engine, NewContext());
        store.Fuel = 1_000_000;
        store.SetEpochDeadline(1_000_000);
        var instance = sandbox.Engine.Linker.Instantiate(store, module.Module!);

        var trap = Assert.Throws<TrapException>(() => instance.GetAction("_start")!());

        Assert.StartsWith(WasmtimeMessages.TrapLinePrefix, WasmtimeMessages.TrapLine(trap), StringComparison.Ordinal);
        Assert.Contains("unreachable", WasmtimeMessages.TrapLine(trap), StringComparison.Ordinal);
    }

    private static WasiContext NewContext() => new(new InvocationRequest(), TimeProvider.System);
}
