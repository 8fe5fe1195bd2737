namespace Platform.Runtime.Tests;

/// <summary>poll_oneoff: clocks sleep until due but never past the deadline; stdio is ready at once.</summary>
public sealed class PollOneoffTests : IDisposable
{
    private const int Realtime = 0;
    private const int Monotonic = 1;
    private const byte FdRead = 1;
    private const byte FdWrite = 2;
    private const long Millisecond = 1_000_000;

    private readonly TestSandbox _sandbox = new();

    public void Dispose() => _sandbox.Dispose();

    private WasiWat.PollEvent[] PollOk(byte[][] subscriptions, string input = "", InvocationLimits? limits = null, params (int, int, long)[] absolute)
    {
        var result = Poll(subscriptions, input, limits, absolute);
        Assert.True(result.Outcome == Outcome.Ok, $"{result.Outcome}: {result.Message}");
        return WasiWat.ParseEvents(result.Output.Span);
    }

    private InvocationResult Poll(byte[][] subscriptions, string input = "", InvocationLimits? limits = null, params (int, int, long)[] absolute)
    {
        var module = _sandbox.Compile(WasiWat.Poll([.. subscriptions.SelectMany(s => s)], subscriptions.Length, absolute));
        return _sandbox.Run(module, input, limits);
    }

    [Fact]
    public void Poll_ShortRelativeSleep_ReturnsTheClockEventAfterIt()
    {
        var limits = InvocationLimits.Default with { TimeoutMs = 1_000 };

        var result = Poll([WasiWat.ClockSubscription(7, Monotonic, 50 * (ulong)Millisecond)], limits: limits);

        Assert.Equal(Outcome.Ok, result.Outcome);
        Assert.True(result.Duration >= TimeSpan.FromMilliseconds(50), $"returned after {result.Duration}");
        var events = WasiWat.ParseEvents(result.Output.Span);
        Assert.Equal([new WasiWat.PollEvent(7, 0, 0, 0, 0)], events);
    }

    [Fact]
    public void Poll_SleepLongerThanTheTimeout_EndsTimeoutAtTheDeadline()
    {
        var limits = InvocationLimits.Default with { TimeoutMs = 300 };

        var result = Poll([WasiWat.ClockSubscription(1, Monotonic, 10_000 * (ulong)Millisecond)], limits: limits);

        Assert.Equal(Outcome.Timeout, result.Outcome);
        Assert.InRange(result.Duration.TotalMilliseconds, 300, 300 + 1_000);
    }

    [Theory]
    [InlineData(Realtime)]
    [InlineData(Monotonic)]
    public void Poll_AbsoluteClock_SleepsUntilThatTime(int clockId)
    {
        var limits = InvocationLimits.Default with { TimeoutMs = 2_000 };

        var result = Poll([WasiWat.ClockSubscription(3, clockId, 0, absolute: true)], limits: limits, absolute: (0, clockId, 50 * Millisecond));

        Assert.Equal(Outcome.Ok, result.Outcome);
        Assert.True(result.Duration >= TimeSpan.FromMilliseconds(50), $"returned after {result.Duration}");
        Assert.Equal([new WasiWat.PollEvent(3, 0, 0, 0, 0)], WasiWat.ParseEvents(result.Output.Span));
    }

    [Fact]
    public void Poll_AbsoluteClockInThePast_ReturnsAtOnce()
    {
        var events = PollOk([WasiWat.ClockSubscription(3, Monotonic, 1, absolute: true)]);

        Assert.Equal([new WasiWat.PollEvent(3, 0, 0, 0, 0)], events);
    }

    [Fact]
    public void Poll_AbsoluteClockPastTheDeadline_EndsTimeout()
    {
        var limits = InvocationLimits.Default with { TimeoutMs = 300 };

        var result = Poll([WasiWat.ClockSubscription(3, Realtime, 0, absolute: true)], limits: limits, absolute: (0, Realtime, 10_000 * Millisecond));

        Assert.Equal(Outcome.Timeout, result.Outcome);
        Assert.InRange(result.Duration.TotalMilliseconds, 300, 300 + 1_000);
    }

    [Fact]
    public void Poll_EarliestOfTwoClocks_FiresAloneWhenDue()
    {
        var limits = InvocationLimits.Default with { TimeoutMs = 2_000 };

        var events = PollOk(
            [WasiWat.ClockSubscription(1, Monotonic, 10_000 * (ulong)Millisecond), WasiWat.ClockSubscription(2, Monotonic, 20 * (ulong)Millisecond)],
            limits: limits);

        Assert.Equal([new WasiWat.PollEvent(2, 0, 0, 0, 0)], events);
    }

    [Fact]
    public void Poll_Stdio_IsReadyAtOnceWithoutTheClock()
    {
        var limits = InvocationLimits.Default with { TimeoutMs = 2_000 };

        var events = PollOk(
            [
                WasiWat.ClockSubscription(9, Monotonic, 10_000 * (ulong)Millisecond),
                WasiWat.FdSubscription(10, FdRead, 0),
                WasiWat.FdSubscription(11, FdWrite, 1),
                WasiWat.FdSubscription(12, FdWrite, 2),
            ],
            "hello",
            limits);

        Assert.Equal(3, events.Length);
        Assert.Equal(new WasiWat.PollEvent(10, 0, FdRead, 5, 0), events[0]);
        Assert.Equal(new WasiWat.PollEvent(11, 0, FdWrite, InvocationLimits.DefaultMaxOutputBytes, 0), events[1]);
        Assert.Equal(new WasiWat.PollEvent(12, 0, FdWrite, InvocationLimits.DefaultMaxLogBytes, 0), events[2]);
    }

    [Fact]
    public void Poll_StdinAtEof_IsReadyWithHangup()
    {
        var events = PollOk([WasiWat.FdSubscription(10, FdRead, 0)]);

        Assert.Equal([new WasiWat.PollEvent(10, 0, FdRead, 0, 1)], events);
    }

    [Theory]
    [InlineData(FdRead, 7)]
    [InlineData(FdWrite, 0)]
    [InlineData(FdRead, 1)]
    [InlineData(FdWrite, -1)]
    public void Poll_BadFd_GetsAnEventWithEbadf(byte type, int fd)
    {
        var events = PollOk([WasiWat.FdSubscription(5, type, fd)]);

        Assert.Equal([new WasiWat.PollEvent(5, 8, type, 0, 0)], events);
    }

    [Fact]
    public void Poll_UnknownClock_GetsAnEventWithEinval()
    {
        var events = PollOk([WasiWat.ClockSubscription(4, 99, 0)]);

        Assert.Equal([new WasiWat.PollEvent(4, 28, 0, 0, 0)], events);
    }

    [Fact]
    public void Poll_ZeroSubscriptions_ReturnsEinval()
    {
        var result = Poll([]);

        Assert.Equal(Outcome.ExitNonzero, result.Outcome);
        Assert.Equal(28, result.ExitCode);
    }
}
