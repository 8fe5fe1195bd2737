using System.Diagnostics;

namespace Platform.Testing;

/// <summary>
/// Polls a condition until it holds or a bounded time passes; then the test fails with a
/// <see cref="TimeoutException"/> naming what it waited for. The one polling helper of the tests.
/// </summary>
public static class Eventually
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(25);

    /// <summary>Polls <paramref name="condition"/>; each attempt is itself bounded by <see cref="TestTimeouts.Default"/>.</summary>
    public static async Task WaitForAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var watch = Stopwatch.StartNew();
        while (!await condition().WaitAsync(TestTimeouts.Default))
        {
            if (watch.Elapsed > timeout)
                throw new TimeoutException($"waited {watch.Elapsed.TotalSeconds:0.0} s for {what}");
            await Task.Delay(PollInterval);
        }
    }

    public static Task WaitForAsync(Func<bool> condition, TimeSpan timeout, string what) =>
        WaitForAsync(() => Task.FromResult(condition()), timeout, what);

    /// <summary>Polls <paramref name="probe"/> until its value satisfies <paramref name="condition"/> and returns that value (default limit 20 s).</summary>
    public static async Task<T> WaitForAsync<T>(Func<T> probe, Func<T, bool> condition, string what, TimeSpan? timeout = null)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(20);
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var value = probe();
            if (condition(value))
                return value;
            if (watch.Elapsed > limit)
                throw new TimeoutException($"waited {watch.Elapsed.TotalSeconds:0.0} s for {what}");
            await Task.Delay(PollInterval);
        }
    }
}
