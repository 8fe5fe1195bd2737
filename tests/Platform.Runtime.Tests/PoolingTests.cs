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
        };
        using var sandbox = new TestSandbox(options);

        var verdict = sandbox.Validator.Validate(System.Text.Encoding.UTF8.GetBytes(Wat.HugeInitialMemory), ModuleLimits.Default);

        Assert.False(verdict.IsValid);
        Assert.Contains("memory", verdict.Error);
    }
}
