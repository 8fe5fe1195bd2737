using Platform.Runtime.Execution;
using Platform.Runtime.Validation;
using Platform.Runtime.Wasi;
using Wasmtime;

namespace Platform.Runtime.Preinit;

/// <summary>
/// Runs a module's exported initialiser once, in a sandbox set up as for an invocation (our WASI
/// host, empty stdin, the caller's fuel, memory and time limits), then writes the snapshot: the
/// memory's contents as data segments, the mutable globals' values as their initialisers.
/// Tenant code compiles and runs here, so callers run it inside the compile budget's process.
/// </summary>
internal static class Preinitializer
{
    public static PreinitSnapshot Run(WasmEngine engine, byte[] wasm, PreinitRequest request)
    {
        var layout = Read(wasm);
        var initializer = layout.Initializer ?? throw Unsupported("the module exports no wizer.initialize or wizer-initialize function");
        CheckSupported(layout);

        var limits = request.Limits;
        limits.Validate();
        Module module;
        try
        {
            module = Module.FromBytes(engine.Engine, "preinit", ModuleRewriter.Instrument(layout));
        }
        catch (WasmtimeException ex)
        {
            throw Unsupported($"invalid module: {ErrorText.FirstLines(ex.Message)}");
        }

        using (module)
        {
            using var context = new WasiContext(new InvocationRequest { Args = request.Args, Env = request.Env, Limits = limits }, engine.Time);
            using var store = SandboxStore.Create(engine, context, limits);
            Instance? instance = null;
            Exception? failure = null;
            long[]? tablesBefore = null;
            try
            {
                instance = engine.Linker.Instantiate(store, module);
                tablesBefore = TableSizes(instance, layout);
                var run = instance.GetAction(initializer) ?? throw Unsupported($"the export {initializer} must take no parameters and return nothing");
                run();
            }
            catch (WasmtimeException ex)
            {
                failure = ex;
            }

            var memory = instance?.GetMemory(ModuleRewriter.MemoryExport);
            Refuse(failure, context, SandboxStore.MemoryNearLimit(memory, limits), limits);
            if (!TableSizes(instance!, layout).SequenceEqual(tablesBefore!))
                throw Unsupported("the initialiser grew a table; tables are not snapshotted");

            var globals = layout.Globals.Select((g, i) => g.Mutable ? instance!.GetGlobal(ModuleRewriter.GlobalExport(i))?.GetValue() : null).ToList();
            var (bytes, pages) = Contents(memory);
            var snapshot = ModuleRewriter.Snapshot(layout, pages, globals, bytes, NonZeroRuns.Find(bytes));
            if (Module.Validate(engine.Engine, snapshot) is { } invalid)
                throw Unsupported($"the snapshot does not validate: {ErrorText.FirstLines(invalid)}");
            return new PreinitSnapshot(snapshot, limits.Fuel - (long)store.Fuel, initializer);
        }
    }

    private static ModuleLayout Read(byte[] wasm)
    {
        try
        {
            return ModuleLayout.Read(wasm);
        }
        catch (InvalidDataException ex)
        {
            throw Unsupported($"malformed module: {ex.Message}");
        }
        catch (PreinitUnsupportedException ex)
        {
            throw Unsupported($"the snapshot cannot carry {ex.Message}");
        }
    }

    private static void CheckSupported(ModuleLayout layout)
    {
        if (layout.ImportedGlobals > 0) throw Unsupported("the snapshot cannot carry imported globals");
        if (layout.ImportedMemories > 0) throw Unsupported("the snapshot cannot carry an imported memory");
        if (layout.ImportedTables > 0) throw Unsupported("the snapshot cannot carry imported tables");
        if (layout.Memories.Count > 1) throw Unsupported("the snapshot cannot carry more than one memory");
        if (layout.HasPassiveData) throw Unsupported("the snapshot cannot carry passive data segments");
        var global = layout.Globals.FindIndex(g => g.Mutable && g.ValueType is not (0x7F or 0x7E or 0x7D or 0x7C));
        if (global >= 0) throw Unsupported($"the snapshot cannot carry mutable global {global} of value type 0x{layout.Globals[global].ValueType:x2} (only i32, i64, f32 and f64)");
    }

    private static void Refuse(Exception? failure, WasiContext context, bool memoryNearLimit, InvocationLimits limits)
    {
        if (context.ExitCode is { } code)
            throw new PreinitFailedException(Outcome.ExitNonzero, $"the initialiser called proc_exit({code}); it must return instead");
        var (outcome, message) = OutcomeClassifier.Classify(failure, context, memoryNearLimit);
        if (outcome == Outcome.Ok) return;
        throw outcome switch
        {
            Outcome.OutOfFuel => new PreinitFailedException(outcome, $"the initialiser ran out of fuel (limit {limits.Fuel})"),
            Outcome.Timeout => new PreinitFailedException(outcome, $"the initialiser exceeded the time limit ({limits.TimeoutMs} ms)"),
            Outcome.MemoryLimit => new PreinitFailedException(outcome, $"the initialiser reached the memory limit ({limits.MemoryMb} MiB): {message}"),
            Outcome.OutputLimit => new PreinitFailedException(outcome, $"the initialiser wrote more than the output limit ({limits.MaxOutputBytes} bytes)"),
            _ => new PreinitFailedException(outcome, $"the initialiser failed: {message}"),
        };
    }

    private static long[] TableSizes(Instance instance, ModuleLayout layout) =>
        Enumerable.Range(0, layout.DefinedTables).Select(i => (long)(instance.GetTable(ModuleRewriter.TableExport(i))?.GetSize() ?? 0)).ToArray();

    private static (byte[] Bytes, uint Pages) Contents(Memory? memory)
    {
        if (memory is null) return ([], 0);
        var length = memory.GetLength();
        if (length > int.MaxValue) throw Unsupported("a memory over 2 GiB");
        return (memory.GetSpan(0, (int)length).ToArray(), (uint)memory.GetSize());
    }

    private static PreinitFailedException Unsupported(string message) => new(Outcome.InvalidModule, message);
}
