namespace Platform.Runtime.Tests;

public sealed class PoolingTests
{
    [Fact]
    public async Task Invoke_AllSandboxSlotsBusy_ThrowsOverloadedAndRecovers()
    {
        var options = new RuntimeOptions
        {
            CacheDir = Path.Combine(Path.GetTempPath(), "platform-tests", Guid.NewGuid().ToString("N")),
            PoolingMaxInstances = 2,
        };
        options.UsePoolingAllocator = true;
        using var sandbox = new TestSandbox(options);
        var spin = sandbox.Compile(Wat.Spin);
        var hello = sandbox.Compile(Wat.Hello);
        var slow = InvocationLimits.Default with { Fuel = long.MaxValue / 2, TimeoutMs = 8_000 };
        // A spinner that finds its slot taken by one of the hellos below tries again: the race is
        // the test's, not what it checks.
        var busy = Enumerable.Range(0, 2).Select(_ => Task.Factory.StartNew(() => RunWhenASlotIsFree(sandbox, spin, slow), TaskCreationOptions.LongRunning)).ToArray();

        // Both slots are taken once the spinning invocations have instantiated; poll until then.
        SandboxOverloadedException? refused = null;
        var deadline = DateTime.UtcNow.AddSeconds(6);
        while (refused is null && DateTime.UtcNow < deadline)
        {
            try
            {
                sandbox.Run(hello);
                await Task.Delay(10);
            }
            catch (SandboxOverloadedException ex)
            {
                refused = ex;
            }
        }

        Assert.NotNull(refused);
        Assert.Contains("slot", refused.Message);
        Assert.All(await Task.WhenAll(busy).WaitAsync(TimeSpan.FromSeconds(30)), r => Assert.Equal(Outcome.Timeout, r.Outcome));
        Assert.Equal(Outcome.Ok, sandbox.Run(Wat.Hello).Outcome);
        Directory.Delete(options.CacheDir, recursive: true);
    }

    private static InvocationResult RunWhenASlotIsFree(TestSandbox sandbox, CompiledModule module, InvocationLimits limits)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            try
            {
                return sandbox.Run(module, limits: limits);
            }
            catch (SandboxOverloadedException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(5);
            }
        }
    }

    [Fact]
    public void Validate_InitialMemoryLargerThanASlot_IsRejectedAtUpload()
    {
        var options = new RuntimeOptions
        {
            CacheDir = Path.Combine(Path.GetTempPath(), "platform-tests", Guid.NewGuid().ToString("N")),
            UsePoolingAllocator = true,
            PoolingMaxInstances = 2,
            PoolingMaxMemoryMb = 1024,
        };
        using var sandbox = new TestSandbox(options);

        var verdict = sandbox.Validator.Validate(System.Text.Encoding.UTF8.GetBytes(Wat.HugeInitialMemory), ModuleLimits.Default);

        Assert.False(verdict.IsValid);
        Assert.Contains("memory", verdict.Error);
    }

    [Fact]
    public void Defaults_PoolingAllocatorOn_WithSlotsForTheLargestQuota()
    {
        var options = new RuntimeOptions();

        Assert.True(options.UsePoolingAllocator);
        Assert.Equal(RuntimeOptions.MaxMemoryMb, options.PoolingMaxMemoryMb);
        Assert.True(options.PoolingMaxInstances >= 2 * Environment.ProcessorCount, "two workers of the default size fit the pool");
    }

    [Fact]
    public void Engine_WithTheDefaultPool_AddsFewMemoryMappings()
    {
        // The kernel refuses mappings past vm.max_map_count (65,530), and Wasmtime aborts the
        // process when an engine cannot set its pool up: a pool must cost a handful of mappings.
        var before = File.ReadLines("/proc/self/maps").Count();
        using var sandbox = PoolOf(new RuntimeOptions().PoolingMaxInstances);
        sandbox.Run(Wat.Hello);

        var added = File.ReadLines("/proc/self/maps").Count() - before;

        Assert.True(added < 200, $"one engine with its pool added {added} mappings");
    }

    [Fact]
    public void Engine_PoolLargerThanTheAddressSpace_IsRefusedNamingTheKeys()
    {
        // 100,000 sandboxes × 4 memories × 4 GiB is more than a process's 128 TiB: Wasmtime
        // would abort the process; the engine refuses first.
        var options = new RuntimeOptions { PoolingMaxInstances = 100_000 };

        var error = Assert.Throws<InvalidOperationException>(() => new WasmEngine(options));

        Assert.Contains("Platform:Runtime:PoolingMaxInstances", error.Message, StringComparison.Ordinal);
        Assert.Contains("Platform:Runtime:UsePoolingAllocator=false", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Invoke_SlotReused_TheNextInvocationSeesNoneOfThePreviousOnesMemoryOrGlobals()
    {
        // One sandbox: every invocation runs in a slot the previous one used.
        using var sandbox = PoolOf(1);
        var snoop = sandbox.Compile(SecretSnoop);

        var verdicts = Enumerable.Range(0, 12).Select(_ => sandbox.Run(snoop)).ToList();

        Assert.All(verdicts, r => Assert.Equal(Outcome.Ok, r.Outcome));
        // Each run checks what it inherited, then leaves secrets behind in every region it checks.
        Assert.All(verdicts, r => Assert.Equal("clean", System.Text.Encoding.UTF8.GetString(r.Output.Span)));
    }

    [Fact]
    public void Invoke_SlotReusedAfterATrap_TheNextInvocationRunsClean()
    {
        using var sandbox = PoolOf(1);
        var snoop = sandbox.Compile(SecretSnoopThenTrap);
        var clean = sandbox.Compile(SecretSnoop);

        var trapped = sandbox.Run(snoop);
        var next = sandbox.Run(clean);

        Assert.Equal(Outcome.Trap, trapped.Outcome);
        Assert.Equal(Outcome.Ok, next.Outcome);
        Assert.Equal("clean", System.Text.Encoding.UTF8.GetString(next.Output.Span));
    }

    [Fact]
    public void Invoke_GrowPastTheMemoryLimit_GetsMinusOneUnderThePool()
    {
        using var sandbox = PoolOf(2);

        var result = sandbox.Run(GrowReport, limits: InvocationLimits.Default with { MemoryMb = 2 });

        Assert.Equal(Outcome.Ok, result.Outcome);
        // 1 page at start; 31 more fit 2 MiB; one page beyond is refused with -1.
        Assert.Equal("1 -1", System.Text.Encoding.UTF8.GetString(result.Output.Span));
    }

    [Fact]
    public void Invoke_MemoryLimitAboveTheSlot_IsRefusedBeforeRunning()
    {
        using var sandbox = new TestSandbox(new RuntimeOptions
        {
            CacheDir = Path.Combine(Path.GetTempPath(), "platform-tests", Guid.NewGuid().ToString("N")),
            PoolingMaxInstances = 2,
            PoolingMaxMemoryMb = 16,
        });
        var hello = sandbox.Compile(Wat.Hello);

        var refused = sandbox.Run(hello, limits: InvocationLimits.Default with { MemoryMb = 17 });
        var admitted = sandbox.Run(hello, limits: InvocationLimits.Default with { MemoryMb = 16 });

        Assert.Equal(Outcome.MemoryLimit, refused.Outcome);
        Assert.Contains("PoolingMaxMemoryMb", refused.Message, StringComparison.Ordinal);
        Assert.True(refused.Output.IsEmpty);
        Assert.Equal(0, refused.FuelConsumed);
        Assert.Equal(Outcome.Ok, admitted.Outcome);
        Directory.Delete(sandbox.Options.CacheDir, recursive: true);
    }

    [Fact]
    public void Options_PoolingMaxMemoryAboveA32BitMemory_IsRejected()
    {
        var options = new RuntimeOptions { PoolingMaxMemoryMb = RuntimeOptions.MaxMemoryMb + 1 };

        var error = Assert.Throws<ArgumentOutOfRangeException>(options.Validate);

        Assert.Equal(nameof(RuntimeOptions.PoolingMaxMemoryMb), error.ParamName);
    }

    [Fact]
    public async Task Invoke_TwoExecutorsOnOneEngineUnderConcurrentLoad_EveryInvocationSucceeds()
    {
        // Two workers of one process share the engine; the pool holds exactly as many sandboxes
        // as run at once, so a slot that was not given back would surface as overload.
        const int threads = 4;
        const int invocationsEach = 60;
        using var sandbox = PoolOf(threads);
        var second = new FunctionExecutor(sandbox.Engine);
        var snoop = sandbox.Compile(SecretSnoop);
        var trap = sandbox.Compile(Wat.Unreachable);

        var runs = Enumerable.Range(0, threads).Select(t => Task.Factory.StartNew(() =>
        {
            var executor = t % 2 == 0 ? sandbox.Executor : second;
            var outputs = new List<string>();
            for (var i = 0; i < invocationsEach; i++)
            {
                if (i % 10 == 9)
                {
                    Assert.Equal(Outcome.Trap, executor.Invoke(trap, new InvocationRequest { Args = ["t"] }).Outcome);
                    continue;
                }

                var result = executor.Invoke(snoop, new InvocationRequest { Args = ["t"] });
                outputs.Add(result.Outcome == Outcome.Ok ? System.Text.Encoding.UTF8.GetString(result.Output.Span) : result.Outcome.ToCode());
            }

            return outputs;
        }, TaskCreationOptions.LongRunning)).ToArray();

        var all = (await Task.WhenAll(runs).WaitAsync(TimeSpan.FromSeconds(120))).SelectMany(o => o).ToList();

        Assert.Equal(threads * (invocationsEach - (invocationsEach / 10)), all.Count);
        Assert.All(all, output => Assert.Equal("clean", output));
    }

    private static TestSandbox PoolOf(int sandboxes) => new(new RuntimeOptions
    {
        CacheDir = Path.Combine(Path.GetTempPath(), "platform-tests", Guid.NewGuid().ToString("N")),
        PoolingMaxInstances = sandboxes,
    });

    /// <summary>
    /// Reports "clean" when everything a previous tenant could have left is as a fresh instance
    /// has it (a zero word in the first page, a zero word in a grown page, its data segment
    /// unchanged, a zero mutable global), "dirty" otherwise; then leaves a secret in each.
    /// </summary>
    private const string SecretSnoopBody = """
          (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
          (memory (export "memory") 1)
          (global $g (mut i64) (i64.const 0))
          (data (i32.const 2048) "ORIGINAL")
          (data (i32.const 4096) "ORIGINAL")
          (data (i32.const 64) "cleandirty")
          (func $snoop
            (local $dirty i32)
            (drop (memory.grow (i32.const 2)))
            (local.set $dirty (i64.ne (i64.load (i32.const 1024)) (i64.const 0)))
            (local.set $dirty (i32.or (local.get $dirty) (i64.ne (i64.load (i32.const 131072)) (i64.const 0))))
            (local.set $dirty (i32.or (local.get $dirty) (i64.ne (i64.load (i32.const 2048)) (i64.load (i32.const 4096)))))
            (local.set $dirty (i32.or (local.get $dirty) (i64.ne (global.get $g) (i64.const 0))))
            (i64.store (i32.const 1024) (i64.const 0x5ec2e75ec2e7))
            (i64.store (i32.const 131072) (i64.const 0x5ec2e75ec2e7))
            (i64.store (i32.const 2048) (i64.const 0x5ec2e75ec2e7))
            (global.set $g (i64.const 0x5ec2e75ec2e7))
            ;; iovec at 16: "clean" at 64 (5 bytes) or "dirty" at 69 (5 bytes)
            (i32.store (i32.const 16) (select (i32.const 69) (i32.const 64) (local.get $dirty)))
            (i32.store (i32.const 20) (i32.const 5))
            (drop (call $fd_write (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 24))))
        """;

    private const string SecretSnoop = "(module " + SecretSnoopBody + """(func (export "_start") (call $snoop)))""";

    private const string SecretSnoopThenTrap = "(module " + SecretSnoopBody + """(func (export "_start") (call $snoop) (unreachable)))""";

    /// <summary>Grows to 2 MiB (32 pages), then one page more; prints both results of memory.grow as "a b".</summary>
    private const string GrowReport = """
        (module
          (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
          (memory (export "memory") 1)
          (func (export "_start")
            (local $first i32) (local $second i32)
            (local.set $first (memory.grow (i32.const 31)))
            (local.set $second (memory.grow (i32.const 1)))
            ;; "1 -1" when the first grow returned the old size 1 and the second -1; "?" otherwise
            (i32.store (i32.const 16) (i32.const 100))
            (i32.store (i32.const 20) (i32.const 1))
            (i32.store8 (i32.const 100) (i32.const 63))
            (if (i32.and (i32.eq (local.get $first) (i32.const 1)) (i32.eq (local.get $second) (i32.const -1)))
              (then
                (i32.store (i32.const 100) (i32.const 0x312d2031))
                (i32.store (i32.const 20) (i32.const 4))))
            (drop (call $fd_write (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 24)))))
        """;
}
