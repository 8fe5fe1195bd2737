using System.Diagnostics;

namespace Platform.EndToEnd.Tests;

/// <summary>Polls a condition until it holds or a bounded time passes (then the test fails, naming what it waited for).</summary>
internal static class Eventually
{
    public static async Task WaitForAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            using var attempt = new CancellationTokenSource(TestTimeouts.Default);
            if (await condition().WaitAsync(attempt.Token))
                return;
            if (watch.Elapsed > timeout)
                throw new TimeoutException($"waited {watch.Elapsed.TotalSeconds:0.0} s for {what}");
            await Task.Delay(25);
        }
    }

    public static Task WaitForAsync(Func<bool> condition, TimeSpan timeout, string what) =>
        WaitForAsync(() => Task.FromResult(condition()), timeout, what);
}
