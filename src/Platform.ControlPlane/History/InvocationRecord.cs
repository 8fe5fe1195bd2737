namespace Platform.ControlPlane.History;

/// <summary>One invocation that reached a worker, as the history keeps it.</summary>
internal sealed record InvocationRecord(
    Guid TenantId,
    string Id,
    DateTimeOffset EndedAt,
    string Function,
    int Version,
    string Trigger,
    string Outcome,
    int? ExitCode,
    string? Message,
    long FuelConsumed,
    long DurationUs,
    string Worker,
    long InputBytes,
    long OutputBytes,
    byte[] Logs,
    bool LogsTruncated)
{
    /// <summary>The replay recording kept with it, when its version records this outcome.</summary>
    public InvocationRecording? Recording { get; init; }

    /// <summary>Read back from the store: a recording of it is kept.</summary>
    public bool Recorded { get; init; }

    /// <summary>What the record holds in memory while it waits for a flush (its logs and recording dominate).</summary>
    public long ApproximateBytes => 256 + Logs.Length + (2L * ((Message?.Length ?? 0) + Function.Length + Worker.Length)) + (Recording?.SizeBytes ?? 0);
}
