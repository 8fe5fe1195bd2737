namespace Platform.Runtime;

public sealed record InvocationResult
{
    public required Outcome Outcome { get; init; }

    /// <summary>stdout, at most the output cap.</summary>
    public ReadOnlyMemory<byte> Output { get; init; }

    /// <summary>stderr, at most the log cap.</summary>
    public ReadOnlyMemory<byte> Logs { get; init; }

    public bool LogsTruncated { get; init; }

    /// <summary>The guest's exit code when it called proc_exit, else null (0 when _start returned).</summary>
    public int? ExitCode { get; init; }

    /// <summary>A human-readable reason for every outcome but OK.</summary>
    public string? Message { get; init; }

    public long FuelConsumed { get; init; }

    public TimeSpan Duration { get; init; }

    /// <summary>What the host served, when the request asked to record and the guest stayed within a recording's bounds.</summary>
    public Replay.HostRecording? Recording { get; init; }
}
