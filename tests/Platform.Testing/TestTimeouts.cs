namespace Platform.Testing;

/// <summary>Every await in a test is bounded: a hang fails the test instead of the run.</summary>
public static class TestTimeouts
{
    public static readonly TimeSpan Default = TimeSpan.FromSeconds(30);

    /// <summary>How long a host may take to start.</summary>
    public static readonly TimeSpan Start = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a deploy of a large guest may take: the upload compiles before it is answered, and a
    /// 12 MB JavaScript component compiles in 30 s to a minute here, longer on a loaded machine.
    /// </summary>
    public static readonly TimeSpan Deploy = TimeSpan.FromMinutes(5);

    /// <summary>How long a host may take to stop.</summary>
    public static readonly TimeSpan Stop = TimeSpan.FromSeconds(15);

    public static Task<T> Within<T>(this Task<T> task, TimeSpan? timeout = null) => task.WaitAsync(timeout ?? Default);

    public static Task Within(this Task task, TimeSpan? timeout = null) => task.WaitAsync(timeout ?? Default);

    public static Task<T> Within<T>(this ValueTask<T> task, TimeSpan? timeout = null) => task.AsTask().WaitAsync(timeout ?? Default);

    /// <summary>A gRPC deadline <paramref name="timeout"/> from now (default 30 s).</summary>
    public static DateTime Deadline(TimeSpan? timeout = null) => DateTime.UtcNow + (timeout ?? Default);
}
