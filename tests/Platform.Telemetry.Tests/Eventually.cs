using System.Diagnostics;

namespace Platform.Telemetry.Tests;

internal static class Eventually
{
    /// <summary>Polls <paramref name="condition"/> until it holds; fails after <paramref name="timeout"/> (default 20 s) with <paramref name="what"/>.</summary>
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
            await Task.Delay(25);
        }
    }
}
