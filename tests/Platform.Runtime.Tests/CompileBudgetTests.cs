using System.Text;
using Platform.Runtime.Compilation;
using Platform.Testing;

namespace Platform.Runtime.Tests;

/// <summary>
/// Tenant code compiles in compiler processes that are killed when a compile overruns its
/// budget. Every assertion is a guarantee (a limit named, a process killed), never a race
/// against the clock: the compiler runs below normal priority, so on a loaded machine its CPU
/// seconds take much longer in wall time, and only the limit under test is set tight.
/// </summary>
public sealed class CompileBudgetTests : IDisposable
{
    private static readonly TimeSpan Generous = TimeSpan.FromMinutes(5);
    private readonly TestSandbox _sandbox = new();

    public void Dispose() => _sandbox.Dispose();

    private IsolatedCompiler Compiler(Action<CompileBudget>? configure = null)
    {
        // The fixed budget alone: the per-MiB allowances are pinned by their own tests below.
        var budget = new CompileBudget
        {
            MaxCpuTime = TimeSpan.FromSeconds(2),
            MaxWallTime = TimeSpan.FromMinutes(4),
            MaxMemoryMb = 4096,
            CpuTimePerMiB = TimeSpan.Zero,
            WallTimePerMiB = TimeSpan.Zero,
            MemoryMbPerMiB = 0,
        };
        configure?.Invoke(budget);
        return new IsolatedCompiler(_sandbox.Engine, budget);
    }

    private static byte[] Binary(string wat) => ModuleValidator.Prepare(Encoding.UTF8.GetBytes(wat), ModuleLimits.Default).WasmBytes!;

    [Fact]
    public async Task CompileAsync_ValidModule_ArtifactRunsInThisEngine()
    {
        using var compiler = Compiler();
        var cache = new ArtifactCache(_sandbox.Engine, compiler, Path.Combine(_sandbox.Options.CacheDir, "isolated"));

        var module = await cache.GetOrCompileAsync(Binary(Wat.Hello)).WaitAsync(Generous);
        var result = _sandbox.Run(module);

        Assert.Equal(Outcome.Ok, result.Outcome);
        Assert.StartsWith("hello", Encoding.UTF8.GetString(result.Output.Span), StringComparison.Ordinal);
        Assert.Equal(1, compiler.ProcessesStarted);
        Assert.Equal(0, compiler.ProcessesKilled);
    }

    [Fact]
    public async Task CompileAsync_BombOverCpuBudget_KilledAndInvalidNamingTheLimit()
    {
        using var compiler = Compiler();
        var error = await Assert.ThrowsAsync<InvalidModuleException>(() => compiler.CompileAsync(CompileBomb.Build(), null, CancellationToken.None).WaitAsync(Generous));

        Assert.Contains("compile budget", error.Message, StringComparison.Ordinal);
        Assert.Contains("2 s of CPU time", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, compiler.ProcessesKilled);

        // The next compile gets a fresh compiler.
        var artifact = await compiler.CompileAsync(Binary(Wat.Hello), null, CancellationToken.None).WaitAsync(Generous);
        Assert.NotEmpty(artifact);
        Assert.Equal(2, compiler.ProcessesStarted);
    }

    [Fact]
    public async Task StartAhead_TheNextCompileTakesTheProcessStartedAhead()
    {
        using var compiler = Compiler();

        compiler.StartAhead();
        compiler.StartAhead(); // one in flight is enough
        var artifact = await compiler.CompileAsync(Binary(Wat.Hello), null, CancellationToken.None).WaitAsync(Generous);

        Assert.NotEmpty(artifact);
        Assert.Equal(1, compiler.ProcessesStarted);
    }

    [Fact]
    public async Task StartAhead_Off_StartsNothingUntilACompileNeedsIt()
    {
        using var compiler = Compiler(budget => budget.StartAhead = false);

        compiler.StartAhead();
        Assert.Equal(0, compiler.ProcessesStarted);
        await compiler.CompileAsync(Binary(Wat.Hello), null, CancellationToken.None).WaitAsync(Generous);
        Assert.Equal(1, compiler.ProcessesStarted);
    }

    [Fact]
    public async Task ThreadsPerCompile_OneOrTwoThreads_TheSameArtifact()
    {
        using var oneThread = Compiler(budget => budget.ThreadsPerCompile = 1);
        using var twoThreads = Compiler(budget => budget.ThreadsPerCompile = 2);
        var module = GuestModules.Bytes("hello");

        var single = await oneThread.CompileAsync(module, null, CancellationToken.None).WaitAsync(Generous);
        var parallel = await twoThreads.CompileAsync(module, null, CancellationToken.None).WaitAsync(Generous);

        // Parallel compilation changes how long a compile takes, never the code: artifacts stay interchangeable.
        Assert.Equal(single, parallel);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void ThreadsPerCompile_BelowOne_Refused(int threads)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new CompileBudget { ThreadsPerCompile = threads }.Validate());
        Assert.Equal(nameof(CompileBudget.ThreadsPerCompile), error.ParamName);
    }

    [Fact]
    public async Task CompileAsync_BombOverMemoryBudget_KilledAndInvalidNamingTheLimit()
    {
        using var compiler = Compiler(budget =>
        {
            budget.MaxCpuTime = TimeSpan.FromMinutes(4);
            budget.MaxMemoryMb = 300;
        });

        var error = await Assert.ThrowsAsync<InvalidModuleException>(() => compiler.CompileAsync(CompileBomb.Build(), null, CancellationToken.None).WaitAsync(Generous));

        Assert.Contains("more than 300 MiB of memory", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, compiler.ProcessesKilled);
    }

    [Fact]
    public async Task CompileAsync_ModuleThatDoesNotCompile_InvalidAndTheProcessIsKept()
    {
        using var compiler = Compiler();
        byte[] broken = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x0a, 0x04, 0x01, 0x02, 0x00, 0xff];

        var error = await Assert.ThrowsAsync<InvalidModuleException>(() => compiler.CompileAsync(broken, null, CancellationToken.None).WaitAsync(Generous));
        var artifact = await compiler.CompileAsync(Binary(Wat.Hello), null, CancellationToken.None).WaitAsync(Generous);

        Assert.StartsWith("invalid module:", error.Message, StringComparison.Ordinal);
        Assert.NotEmpty(artifact);
        Assert.Equal(1, compiler.ProcessesStarted);
        Assert.Equal(0, compiler.ProcessesKilled);
    }

    [Fact]
    public async Task CompileAsync_OnePartitionsBomb_DoesNotHoldUpAnotherPartition()
    {
        using var compiler = Compiler(budget => budget.MaxCpuTime = TimeSpan.FromSeconds(10));

        var bomb = compiler.CompileAsync(CompileBomb.Build(), "attacker", CancellationToken.None);
        var secondBomb = compiler.CompileAsync(CompileBomb.Build(), "attacker", CancellationToken.None);
        var calm = await compiler.CompileAsync(Binary(Wat.Hello), "calm", CancellationToken.None).WaitAsync(Generous);

        // The calm tenant's module compiled while the attacker's first bomb still ran (it needs 10 s
        // of CPU before it is stopped) and its second waited for the first: one compiler each.
        Assert.NotEmpty(calm);
        Assert.False(bomb.IsCompleted);
        Assert.False(secondBomb.IsCompleted);
        await Assert.ThrowsAsync<InvalidModuleException>(() => bomb.WaitAsync(Generous));
        await Assert.ThrowsAsync<InvalidModuleException>(() => secondBomb.WaitAsync(Generous));
    }

    [Fact]
    public async Task CompileAsync_QueueFull_RefusedAtOnce()
    {
        using var compiler = Compiler(budget =>
        {
            budget.Concurrency = 1;
            budget.MaxQueued = 0;
        });

        var bomb = compiler.CompileAsync(CompileBomb.Build(), "a", CancellationToken.None);
        var error = await Assert.ThrowsAsync<CompilerUnavailableException>(() => compiler.CompileAsync(Binary(Wat.Hello), "b", CancellationToken.None).WaitAsync(Generous));

        Assert.Contains("busy", error.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<InvalidModuleException>(() => bomb.WaitAsync(Generous));
    }

    [Fact]
    public async Task CompileAsync_CallerGivesUp_CompilerKilled()
    {
        using var compiler = Compiler(budget => budget.MaxCpuTime = TimeSpan.FromSeconds(30));
        using var giveUp = new CancellationTokenSource();
        await compiler.CompileAsync(Binary(Wat.Hello), null, CancellationToken.None).WaitAsync(Generous); // a compiler is up and idle

        var bomb = compiler.CompileAsync(CompileBomb.Build(), null, giveUp.Token);
        await Task.Delay(TimeSpan.FromMilliseconds(300));
        await giveUp.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => bomb.WaitAsync(Generous));
        Assert.Equal(1, compiler.ProcessesKilled);
    }
}

public sealed class CompileBudgetScalingTests
{
    [Fact]
    public void For_TwelveMiBModule_AddsThePerMiBAllowances()
    {
        var budget = new CompileBudget();

        var scaled = budget.For(12L << 20);

        Assert.Equal(TimeSpan.FromSeconds(20 + (3 * 12)), scaled.MaxCpuTime);
        Assert.Equal(TimeSpan.FromSeconds(60 + (8 * 12)), scaled.MaxWallTime);
        Assert.Equal(1024 + (64 * 12), scaled.MaxMemoryMb);
        scaled.Validate();
    }

    [Fact]
    public void For_SmallModule_StaysNearTheBase()
    {
        var scaled = new CompileBudget().For(24 * 1024);

        Assert.True(scaled.MaxCpuTime < TimeSpan.FromSeconds(20.1), scaled.MaxCpuTime.ToString());
        Assert.Equal(1026, scaled.MaxMemoryMb);
    }

    [Fact]
    public void Validate_WallPerMiBBelowCpuPerMiB_IsRefused()
    {
        var budget = new CompileBudget { CpuTimePerMiB = TimeSpan.FromSeconds(10), WallTimePerMiB = TimeSpan.FromSeconds(5) };

        Assert.Throws<ArgumentOutOfRangeException>(budget.Validate);
    }
}
