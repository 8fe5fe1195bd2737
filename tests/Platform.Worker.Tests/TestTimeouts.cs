namespace Platform.Worker.Tests;

internal static class TestTimeouts
{
    public const string ClusterToken = "test-cluster-token-0123456789-0123456789";

    public static readonly TimeSpan Start = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan Stop = TimeSpan.FromSeconds(15);
    public static readonly TimeSpan Call = TimeSpan.FromSeconds(30);

    /// <summary>Polls <paramref name="condition"/> until it holds or <paramref name="timeout"/> passes.</summary>
    public static async Task WaitForAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"timed out after {timeout.TotalSeconds:F0} s waiting for {what}");
            await Task.Delay(20);
        }
    }

    /// <summary>Polls an asynchronous <paramref name="condition"/> until it holds or <paramref name="timeout"/> passes.</summary>
    public static async Task WaitForAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"timed out after {timeout.TotalSeconds:F0} s waiting for {what}");
            await Task.Delay(20);
        }
    }
}
