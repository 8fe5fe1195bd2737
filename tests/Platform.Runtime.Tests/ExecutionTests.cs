using System.Diagnostics;
using System.Text;

namespace Platform.Runtime.Tests;

public sealed class ExecutionTests : IDisposable
{
    private readonly TestSandbox _sandbox = new();

    public void Dispose() => _sandbox.Dispose();

    [Fact]
    public void Invoke_Hello_ReturnsOkWithOutputAndFuel()
    {
        var result = _sandbox.Run(Wat.Hello);

        Assert.Equal(Outcome.Ok, result.Outcome);
        Assert.Equal("hello", Encoding.UTF8.GetString(result.Output.Span));
        Assert.Equal(0, result.ExitCode);
        Assert.Null(result.Message);
        Assert.InRange(result.FuelConsumed, 1, 1_000);
    }

    [Fact]
    public void Invoke_Echo_CopiesStdinToStdout()
    {
        var input = string.Concat(Enumerable.Repeat("0123456789", 1_000));

        var result = _sandbox.Run(Wat.Echo, input);

        Assert.Equal(Outcome.Ok, result.Outcome);
        Assert.Equal(input, Encoding.UTF8.GetString(result.Output.Span));
    }

    [Fact]
    public void Invoke_InfiniteLoop_RunsOutOfFuel()
    {
        var limits = InvocationLimits.Default with { Fuel = 5_000_000 };

        var result = _sandbox.Run(Wat.Spin, limits: limits);

        Assert.Equal(Outcome.OutOfFuel, result.Outcome);
        Assert.Equal(5_000_000, result.FuelConsumed);
        Assert.Equal("OUT_OF_FUEL", result.Outcome.ToCode());
    }

    [Fact]
    public void Invoke_InfiniteLoopInStartFunction_RunsOutOfFuel()
    {
        var result = _sandbox.Run(Wat.SpinInStart, limits: InvocationLimits.Default with { Fuel = 1_000_000 });

        Assert.Equal(Outcome.OutOfFuel, result.Outcome);
    }

    [Fact]
    public void Invoke_InfiniteLoopWithAmpleFuel_TimesOutPromptly()
    {
        var limits = InvocationLimits.Default with { Fuel = long.MaxValue / 2, TimeoutMs = 200 };

        var result = _sandbox.Run(Wat.Spin, limits: limits);

        Assert.Equal(Outcome.Timeout, result.Outcome);
        Assert.InRange(result.Duration.TotalMilliseconds, 195, 200 + 500);
    }

    [Fact]
    public void Invoke_InfiniteLoopInStartFunctionWithAmpleFuel_TimesOut()
    {
        var limits = InvocationLimits.Default with { Fuel = long.MaxValue / 2, TimeoutMs = 100 };

        var result = _sandbox.Run(Wat.SpinInStart, limits: limits);

        Assert.Equal(Outcome.Timeout, result.Outcome);
    }

    [Fact]
    public void Invoke_MemoryGrowBomb_ReportsMemoryLimit()
    {
        var result = _sandbox.Run(Wat.MemoryBomb, limits: InvocationLimits.Default with { MemoryMb = 8 });

        Assert.Equal(Outcome.MemoryLimit, result.Outcome);
        Assert.Contains("memory limit", result.Message);
    }

    [Fact]
    public void Invoke_InitialMemoryAboveLimit_ReportsMemoryLimit()
    {
        var result = _sandbox.Run(Wat.BigInitialMemory, limits: InvocationLimits.Default with { MemoryMb = 16 });

        Assert.Equal(Outcome.MemoryLimit, result.Outcome);
    }

    [Fact]
    public void Invoke_TwoGigabyteInitialMemory_ReportsMemoryLimit()
    {
        var result = _sandbox.Run(Wat.HugeInitialMemory);

        Assert.Equal(Outcome.MemoryLimit, result.Outcome);
    }

    [Fact]
    public void Invoke_RunawayRecursion_TrapsWithStackOverflow()
    {
        var result = _sandbox.Run(Wat.Recurse);

        Assert.Equal(Outcome.Trap, result.Outcome);
        Assert.Contains("stack overflow", result.Message);
    }

    [Fact]
    public void Invoke_StdoutFlood_StopsAtOutputLimit()
    {
        var limits = InvocationLimits.Default with { MaxOutputBytes = 64 * 1024, Fuel = long.MaxValue / 2, TimeoutMs = 10_000 };

        var result = _sandbox.Run(Wat.Flood, limits: limits);

        Assert.Equal(Outcome.OutputLimit, result.Outcome);
        Assert.Equal(64 * 1024, result.Output.Length);
        // Stopped at the write that crossed the cap, not by fuel or the clock.
        Assert.True(result.Duration < TimeSpan.FromSeconds(2), $"took {result.Duration}");
    }

    [Fact]
    public void Invoke_StderrFlood_KeepsLogsUpToCapAndFinishes()
    {
        var result = _sandbox.Run(Wat.LogFlood, limits: InvocationLimits.Default with { MaxLogBytes = 10_000 });

        Assert.Equal(Outcome.Ok, result.Outcome);
        Assert.Equal("done", Encoding.UTF8.GetString(result.Output.Span));
        Assert.Equal(10_000, result.Logs.Length);
        Assert.True(result.LogsTruncated);
    }

    [Theory]
    [InlineData(7)]
    [InlineData(1)]
    [InlineData(255)]
    public void Invoke_ProcExitNonzero_ReportsExitCode(int code)
    {
        var result = _sandbox.Run(Wat.Exit(code));

        Assert.Equal(Outcome.ExitNonzero, result.Outcome);
        Assert.Equal(code, result.ExitCode);
        Assert.Contains(code.ToString(System.Globalization.CultureInfo.InvariantCulture), result.Message);
    }

    [Fact]
    public void Invoke_ProcExitZero_IsOk()
    {
        var result = _sandbox.Run(Wat.Exit(0));

        Assert.Equal(Outcome.Ok, result.Outcome);
        Assert.Equal(0, result.ExitCode);
    }

    [Fact]
    public void Invoke_Unreachable_TrapsWithMessage()
    {
        var result = _sandbox.Run(Wat.Unreachable);

        Assert.Equal(Outcome.Trap, result.Outcome);
        Assert.Contains("unreachable", result.Message);
    }

    [Fact]
    public void Invoke_DivideByZero_Traps()
    {
        var result = _sandbox.Run(Wat.DivideByZero);

        Assert.Equal(Outcome.Trap, result.Outcome);
        Assert.Contains("divide by zero", result.Message);
    }

    [Fact]
    public void Invoke_PointerOutsideMemory_GetsEfaultNotACrash()
    {
        var result = _sandbox.Run(Wat.BadPointer);

        // The guest exits with the errno fd_write returned: 21 is EFAULT.
        Assert.Equal(Outcome.ExitNonzero, result.Outcome);
        Assert.Equal(21, result.ExitCode);
    }

    [Fact]
    public void Invoke_ArgsAndEnv_SeeOnlyWhatTheRequestGives()
    {
        Environment.SetEnvironmentVariable("PLATFORM_HOST_SECRET", "leak");
        var module = _sandbox.Compile(Wat.ArgsAndEnv);

        var result = _sandbox.Executor.Invoke(module, new InvocationRequest
        {
            Args = ["greeter", "--loud"],
            Env = [new("PLATFORM_FUNCTION", "greeter"), new("GREETING", "hi")],
        });

        Assert.Equal(Outcome.Ok, result.Outcome);
        Assert.Equal("greeter\0--loud\0PLATFORM_FUNCTION=greeter\0GREETING=hi\0", Encoding.UTF8.GetString(result.Output.Span));
    }

    [Fact]
    public void Invoke_SixtyFourInParallel_EachGetsItsOwnOutput()
    {
        var module = _sandbox.Compile(Wat.Echo);
        var inputs = Enumerable.Range(0, 64).Select(i => $"input-{i}-" + new string((char)('a' + (i % 26)), 1000 + i)).ToArray();

        var results = new InvocationResult[inputs.Length];
        Parallel.For(0, inputs.Length, new ParallelOptions { MaxDegreeOfParallelism = 16 }, i => results[i] = _sandbox.Run(module, inputs[i]));

        for (var i = 0; i < inputs.Length; i++)
        {
            Assert.Equal(Outcome.Ok, results[i].Outcome);
            Assert.Equal(inputs[i], Encoding.UTF8.GetString(results[i].Output.Span));
        }
    }

    [Fact]
    public async Task Invoke_TimeoutInOneInvocation_DoesNotDisturbOthers()
    {
        var spin = _sandbox.Compile(Wat.Spin);
        var echo = _sandbox.Compile(Wat.Echo);
        var slow = Task.Run(() => _sandbox.Run(spin, limits: InvocationLimits.Default with { Fuel = long.MaxValue / 2, TimeoutMs = 500 }));

        var stopwatch = Stopwatch.StartNew();
        var quick = new List<InvocationResult>();
        while (!slow.IsCompleted && stopwatch.Elapsed < TimeSpan.FromSeconds(5))
        {
            quick.Add(_sandbox.Run(echo, "still fine"));
        }

        var timedOut = await slow.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(Outcome.Timeout, timedOut.Outcome);
        Assert.NotEmpty(quick);
        Assert.All(quick, r =>
        {
            Assert.Equal(Outcome.Ok, r.Outcome);
            Assert.Equal("still fine", Encoding.UTF8.GetString(r.Output.Span));
        });
    }
}
