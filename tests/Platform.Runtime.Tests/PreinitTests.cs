using System.Text;
using Platform.Runtime.Compilation;
using Platform.Runtime.Preinit;
using Platform.Testing;

namespace Platform.Runtime.Tests;

/// <summary>
/// Pre-initialisation: the snapshot runs like the original from where the initialiser left off,
/// and an initialiser that loops, floods or traps is refused with the limit it hit.
/// </summary>
public sealed class PreinitTests : IDisposable
{
    private readonly TestSandbox _sandbox = new();

    public void Dispose() => _sandbox.Dispose();

    private static byte[] Binary(string wat) => ModuleValidator.Prepare(Encoding.UTF8.GetBytes(wat), ModuleLimits.Default).WasmBytes!;

    private PreinitSnapshot Preinit(byte[] wasm, InvocationLimits? limits = null) =>
        Preinitializer.Run(_sandbox.Engine, wasm, new PreinitRequest { Args = ["test-function"], Limits = limits ?? InvocationLimits.Default });

    private PreinitFailedException Refused(string wat, InvocationLimits? limits = null) =>
        Assert.Throws<PreinitFailedException>(() => Preinit(Binary(wat), limits));

    private static string Text(InvocationResult result) => Encoding.UTF8.GetString(result.Output.Span);

    [Fact]
    public void Run_LookupExample_SameOutputWithFarLessFuel()
    {
        var original = GuestModules.Bytes("lookup");
        var snapshot = Preinit(original);

        var before = _sandbox.Run(_sandbox.Compile(original), "4242");
        var after = _sandbox.Run(_sandbox.Compile(snapshot.Module), "4242");

        Assert.Equal(Outcome.Ok, before.Outcome);
        Assert.Equal(Outcome.Ok, after.Outcome);
        Assert.StartsWith("key=4242 value=", Text(after), StringComparison.Ordinal);
        Assert.Equal(Text(before), Text(after));
        Assert.True(after.FuelConsumed * 50 < before.FuelConsumed, $"fuel {before.FuelConsumed} -> {after.FuelConsumed}");
        Assert.True(snapshot.FuelConsumed > after.FuelConsumed * 50, $"the initialiser used {snapshot.FuelConsumed}");
        Assert.Equal("wizer.initialize", snapshot.Initializer);
        Assert.Null(ModuleLayout.FindInitializer(snapshot.Module));
    }

    [Fact]
    public void Run_GlobalsMemoryAndStart_BakedInAndStartRemoved()
    {
        var snapshot = Preinit(Binary("""
            (module
              (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
              (memory (export "memory") 1)
              (global $starts (mut i32) (i32.const 0))
              (global $length (mut i64) (i64.const 0))
              (global $unchanged i32 (i32.const 7))
              (func $start (global.set $starts (i32.add (global.get $starts) (i32.const 1))))
              (start $start)
              (func (export "wizer-initialize")
                (drop (memory.grow (i32.const 1)))
                (i32.store8 (i32.const 70000) (i32.const 0x6b))
                (i32.store8 (i32.const 70001) (i32.const 0x0a))
                (global.set $length (i64.const 2)))
              (func (export "_start")
                (i32.store (i32.const 0) (i32.const 70000))
                (i32.store (i32.const 4) (i32.wrap_i64 (global.get $length)))
                (if (i32.ne (global.get $starts) (i32.const 1)) (then unreachable))
                (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))
            """));

        var layout = ModuleLayout.Read(snapshot.Module);
        Assert.False(layout.HasStart);
        Assert.Equal(2u, layout.Memories[0].Minimum);
        Assert.DoesNotContain(layout.Exports, e => e.Name.StartsWith("platform-preinit", StringComparison.Ordinal) || e.Name == "wizer-initialize");
        var result = _sandbox.Run(_sandbox.Compile(snapshot.Module));
        Assert.Equal(Outcome.Ok, result.Outcome);
        Assert.Equal("k\n", Text(result));
    }

    [Fact]
    public void Run_LoopingInitializer_RefusedOutOfFuelNamingTheLimit()
    {
        var error = Refused(Initializer("(loop $forever (br $forever))"), InvocationLimits.Default with { Fuel = 5_000_000 });

        Assert.Equal(Outcome.OutOfFuel, error.Reason);
        Assert.Contains("fuel (limit 5000000)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_LoopingInitializerWithAmpleFuel_RefusedAtTheTimeLimit()
    {
        var error = Refused(Initializer("(loop $forever (br $forever))"), InvocationLimits.Default with { Fuel = long.MaxValue / 2, TimeoutMs = 200 });

        Assert.Equal(Outcome.Timeout, error.Reason);
        Assert.Contains("time limit (200 ms)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_InitializerGrowingMemoryUntilRefused_RefusedAtTheMemoryLimit()
    {
        var error = Refused(Initializer("""
            (loop $grow (br_if $grow (i32.ne (memory.grow (i32.const 1)) (i32.const -1))))
            unreachable
            """), InvocationLimits.Default with { MemoryMb = 8 });

        Assert.Equal(Outcome.MemoryLimit, error.Reason);
        Assert.Contains("memory limit (8 MiB)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_InitializerFloodingStdout_RefusedAtTheOutputLimit()
    {
        var error = Refused(Initializer("""
            (i32.store (i32.const 0) (i32.const 16))
            (i32.store (i32.const 4) (i32.const 4096))
            (loop $write (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))) (br $write))
            """), InvocationLimits.Default with { MaxOutputBytes = 64 << 10 });

        Assert.Equal(Outcome.OutputLimit, error.Reason);
        Assert.Contains("output limit (65536 bytes)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_TrappingInitializer_RefusedAsTrap()
    {
        var error = Refused(Initializer("unreachable"));

        Assert.Equal(Outcome.Trap, error.Reason);
        Assert.Contains("unreachable", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_InitializerCallingProcExit_Refused()
    {
        var error = Refused(Initializer("(call $proc_exit (i32.const 0))"));

        Assert.Equal(Outcome.ExitNonzero, error.Reason);
        Assert.Contains("proc_exit(0)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_InitializerGrowingATable_RefusedAsUnsupported()
    {
        var error = Refused("""
            (module
              (memory (export "memory") 1)
              (table $t 1 funcref)
              (func (export "wizer.initialize") (drop (table.grow $t (ref.null func) (i32.const 4))))
              (func (export "_start")))
            """);

        Assert.Equal(Outcome.InvalidModule, error.Reason);
        Assert.Contains("grew a table", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_PassiveDataSegment_RefusedAsUnsupported()
    {
        var error = Refused("""
            (module
              (memory (export "memory") 1)
              (data $lazy "abc")
              (func (export "wizer.initialize") (memory.init $lazy (i32.const 0) (i32.const 0) (i32.const 3)))
              (func (export "_start")))
            """);

        Assert.Equal(Outcome.InvalidModule, error.Reason);
        Assert.Contains("passive data segments", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_InitializerWithParameters_RefusedAsUnsupported()
    {
        var error = Refused("""
            (module
              (memory (export "memory") 1)
              (func (export "wizer.initialize") (param i32))
              (func (export "_start")))
            """);

        Assert.Equal(Outcome.InvalidModule, error.Reason);
        Assert.Contains("no parameters", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_InitializerFillingAllMemoryWithAPattern_SnapshotBoundedAndRuns()
    {
        // Every other byte non-zero over 8 MiB: the runs are merged, never one segment per byte.
        var snapshot = Preinit(Binary(Initializer("""
            (drop (memory.grow (i32.const 127)))
            (local.set $i (i32.const 0))
            (loop $fill
              (i32.store8 (local.get $i) (i32.const 1))
              (local.set $i (i32.add (local.get $i) (i32.const 2)))
              (br_if $fill (i32.lt_u (local.get $i) (i32.const 8388608))))
            """)));

        Assert.True(snapshot.Module.Length > 8 << 20, $"{snapshot.Module.Length} bytes");
        Assert.True(snapshot.Module.Length < 9 << 20, $"{snapshot.Module.Length} bytes");
        Assert.Equal(Outcome.Ok, _sandbox.Run(_sandbox.Compile(snapshot.Module)).Outcome);
    }

    [Fact]
    public void Run_GlobalCountBomb_SnapshotValidatesAndKeepsEveryGlobal()
    {
        const int count = 20_000;
        var globals = string.Concat(Enumerable.Range(0, count).Select(i => $"(global (mut i32) (i32.const {i}))"));
        var snapshot = Preinit(Binary($"""
            (module
              (memory (export "memory") 1)
              {globals}
              (func (export "wizer.initialize") (global.set 19999 (i32.const -5)))
              (func (export "_start") (if (i32.ne (global.get 19999) (i32.const -5)) (then unreachable))))
            """));

        Assert.Equal(count, ModuleLayout.Read(snapshot.Module).Globals.Count);
        Assert.Equal(Outcome.Ok, _sandbox.Run(_sandbox.Compile(snapshot.Module)).Outcome);
    }

    [Fact]
    public void FindInitializer_ModuleWithoutTheExport_Null()
    {
        Assert.Null(ModuleLayout.FindInitializer(Binary(Wat.Hello)));
        Assert.Null(ModuleLayout.FindInitializer([1, 2, 3]));
        Assert.Equal("wizer.initialize", ModuleLayout.FindInitializer(GuestModules.Bytes("lookup")));
    }

    [Fact]
    public void Find_RunsSeparatedBySmallGaps_Merged()
    {
        var memory = new byte[200];
        memory[10] = 1;
        memory[20] = 2; // a gap of 9 zeros: merged
        memory[100] = 3; // a gap of 79: a new run
        memory[199] = 4;

        Assert.Equal([(10, 21), (100, 101), (199, 200)], NonZeroRuns.Find(memory));
        Assert.Empty(NonZeroRuns.Find(new byte[4096]));
    }

    [Fact]
    public async Task PreinitializeAsync_InTheCompilerProcess_SnapshotAndRefusalsCrossThePipe()
    {
        using var compiler = new IsolatedCompiler(_sandbox.Engine, new CompileBudget { MaxCpuTime = TimeSpan.FromSeconds(30), MaxWallTime = TimeSpan.FromMinutes(2) });
        var request = new PreinitRequest { Args = ["lookup"], Limits = InvocationLimits.Default };

        var snapshot = await compiler.PreinitializeAsync(GuestModules.Bytes("lookup"), request, "tenant", CancellationToken.None).WaitAsync(TimeSpan.FromMinutes(3));
        var refused = await Assert.ThrowsAsync<PreinitFailedException>(() => compiler.PreinitializeAsync(Binary(Initializer("(loop $l (br $l))")), request with { Limits = InvocationLimits.Default with { Fuel = 1000 } }, "tenant", CancellationToken.None).WaitAsync(TimeSpan.FromMinutes(3)));

        Assert.Equal(Preinit(GuestModules.Bytes("lookup")).Module, snapshot.Module);
        Assert.Equal(Outcome.OutOfFuel, refused.Reason);
        Assert.Equal(1, compiler.ProcessesStarted);
        Assert.Equal(0, compiler.ProcessesKilled);
    }

    [Fact]
    public async Task PreinitializeAsync_OverTheCompileBudget_ProcessKilledAndRefused()
    {
        using var compiler = new IsolatedCompiler(_sandbox.Engine, new CompileBudget { MaxCpuTime = TimeSpan.FromSeconds(1), MaxWallTime = TimeSpan.FromMinutes(2) });
        var request = new PreinitRequest { Limits = InvocationLimits.Default with { Fuel = long.MaxValue / 2, TimeoutMs = 600_000 } };

        var refused = await Assert.ThrowsAsync<PreinitFailedException>(() => compiler.PreinitializeAsync(Binary(Initializer("(loop $l (br $l))")), request, null, CancellationToken.None).WaitAsync(TimeSpan.FromMinutes(3)));

        Assert.Equal(Outcome.InvalidModule, refused.Reason);
        Assert.Contains("exceeded the compile budget: more than 1 s of CPU time", refused.Message, StringComparison.Ordinal);
        Assert.Equal(1, compiler.ProcessesKilled);
    }

    /// <summary>A module with memory, WASI's fd_write and proc_exit, and an initialiser with <paramref name="body"/> (one i32 local, $i).</summary>
    private static string Initializer(string body) => $"""
        (module
          (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
          (memory (export "memory") 1)
          (func (export "wizer.initialize") (local $i i32)
            {body})
          (func (export "_start")))
        """;
}
