namespace Platform.Runtime.Replay;

/// <summary>
/// What the host served one invocation that is not a function of its input: every
/// <c>clock_time_get</c> result and every <c>random_get</c> byte, in the order the guest asked.
/// With the same module, input, args, environment and limits, serving these again makes a
/// preview-1 run repeat exactly: outcome, output, logs and fuel (fuel is deterministic, and every
/// host call charges fuel by the bytes it moves, not by time).
/// </summary>
public sealed record HostRecording(IReadOnlyList<long> Clocks, ReadOnlyMemory<byte> Random)
{
    /// <summary>Most clock readings one recording keeps; a guest that reads more is not recorded.</summary>
    public const int MaxClockReadings = 100_000;

    /// <summary>Most random bytes one recording keeps; a guest that draws more is not recorded.</summary>
    public const int MaxRandomBytes = 4 << 20;

    /// <summary>Bytes the recording takes in storage (8 per clock reading plus the random bytes).</summary>
    public long SizeBytes => (8L * Clocks.Count) + Random.Length;
}

/// <summary>One host call as a replay trace shows it.</summary>
public readonly record struct HostCall(string Name, string Detail);
