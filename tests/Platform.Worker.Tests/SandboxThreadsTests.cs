using Platform.Worker.Invocation;

namespace Platform.Worker.Tests;

/// <summary>The sandbox's dedicated threads: every piece of work runs once, on a sandbox thread, with its caller's context; threads reused rather than one per call.</summary>
public sealed class SandboxThreadsTests
{
    private static readonly AsyncLocal<string?> Caller = new();

    [Fact]
    public async Task Run_ManyConcurrentCallers_EachResultOnce_ThreadsAtMostThePeakConcurrency()
    {
        using var threads = new SandboxThreads();
        const int callers = 8;
        const int perCaller = 200;
        var running = 0;
        var peak = 0;

        var all = Enumerable.Range(0, callers).Select(caller => Task.Run(async () =>
        {
            var results = new List<int>(perCaller);
            for (var i = 0; i < perCaller; i++)
            {
                var expected = (caller * perCaller) + i;
                results.Add(await threads.Run(
                    () =>
                    {
                        var now = Interlocked.Increment(ref running);
                        InterlockedMax(ref peak, now);
                        Assert.StartsWith("sandbox-", Thread.CurrentThread.Name, StringComparison.Ordinal);
                        Interlocked.Decrement(ref running);
                        return expected;
                    },
                    CancellationToken.None));
            }

            return results;
        })).ToArray();

        var everything = (await Task.WhenAll(all).Within()).SelectMany(r => r).Order().ToArray();
        Assert.Equal(Enumerable.Range(0, callers * perCaller), everything);
        // A caller's next call may arrive before the thread that answered its last one is back
        // waiting: at most two threads per caller, never one per call.
        Assert.InRange(threads.Threads, 1, 2 * callers);
        Assert.InRange(peak, 1, callers);
    }

    [Fact]
    public async Task Run_SequentialCalls_ReuseThreads_ContextFlows_ExceptionsSurface()
    {
        using var threads = new SandboxThreads();
        for (var i = 0; i < 50; i++)
        {
            Caller.Value = $"call {i}";
            Assert.Equal($"call {i}", await threads.Run(() => Caller.Value, CancellationToken.None).Within());
        }

        var thrown = await Assert.ThrowsAsync<InvalidOperationException>(() => threads.Run<int>(() => throw new InvalidOperationException("guest host failed"), CancellationToken.None).Within());
        Assert.Equal("guest host failed", thrown.Message);
        Assert.InRange(threads.Threads, 1, 2);
    }

    [Fact]
    public async Task Run_CancelledBefore_OrAfterDispose_Refused()
    {
        var threads = new SandboxThreads();
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        Assert.Throws<OperationCanceledException>(() => { _ = threads.Run(() => 1, cancelled.Token); });

        Assert.Equal(2, await threads.Run(() => 2, CancellationToken.None).Within());
        threads.Dispose();
        Assert.Throws<ObjectDisposedException>(() => { _ = threads.Run(() => 3, CancellationToken.None); });
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}
