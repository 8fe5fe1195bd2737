namespace Platform.ControlPlane.Cluster;

/// <summary>
/// How the control plane runs its workers, bound from the <c>Platform</c> section
/// (<c>Platform:ClusterToken</c>, <c>Platform:Cluster:*</c>).
/// </summary>
public sealed class ClusterOptions
{
    /// <summary>The secret every internal gRPC call carries (<c>Platform:ClusterToken</c>). Required: at least 32 characters, never a published placeholder.</summary>
    public string? ClusterToken { get; set; }

    /// <summary>Workers each module is placed on (rendezvous hashing). Default 2.</summary>
    public int ReplicationFactor { get; set; } = 2;

    /// <summary>How often workers heartbeat. Default 2 s.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>A worker whose last heartbeat is older than this leaves placement. Default 6 s (three missed heartbeats).</summary>
    public TimeSpan WorkerTtl { get; set; } = TimeSpan.FromSeconds(6);

    /// <summary>Added to a function's timeout to bound the whole invoke call (network, fetch, compile). Default 5 s.</summary>
    public TimeSpan InvokeDeadlineMargin { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Workers tried for one invocation when a worker is unreachable or overloaded before it starts. Default 3.</summary>
    public int MaxInvokeAttempts { get; set; } = 3;

    /// <summary>
    /// Whether a worker running in this process (<c>dev</c>, <c>--role all</c>) is called directly
    /// instead of over gRPC on loopback. Default true; false measures or debugs the gRPC hop.
    /// Workers in other processes are always called over gRPC.
    /// </summary>
    public bool InProcessWorkerCalls { get; set; } = true;

    /// <summary>Timeout of one module push. Default 60 s.</summary>
    public TimeSpan PushTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Per-worker circuit breaker: share of transport failures in <see cref="BreakerSamplingDuration"/> that opens it. Default 0.5.</summary>
    public double BreakerFailureRatio { get; set; } = 0.5;

    /// <summary>Calls to a worker within <see cref="BreakerSamplingDuration"/> before its breaker may open. Default 3.</summary>
    public int BreakerMinimumThroughput { get; set; } = 3;

    /// <summary>Window over which a worker's transport failures are counted. Default 10 s.</summary>
    public TimeSpan BreakerSamplingDuration { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long an open breaker keeps the router away from the worker before one trial call. Default 5 s.</summary>
    public TimeSpan BreakerBreakDuration { get; set; } = TimeSpan.FromSeconds(5);

    public IEnumerable<string> Validate()
    {
        if (BreakerFailureRatio is <= 0 or > 1) yield return "Platform:Cluster:BreakerFailureRatio must be in (0, 1]";
        if (BreakerMinimumThroughput < 2) yield return "Platform:Cluster:BreakerMinimumThroughput must be at least 2";
        if (BreakerSamplingDuration < TimeSpan.FromMilliseconds(500)) yield return "Platform:Cluster:BreakerSamplingDuration must be at least 500 ms";
        if (BreakerBreakDuration < TimeSpan.FromMilliseconds(500)) yield return "Platform:Cluster:BreakerBreakDuration must be at least 500 ms";
        if (Platform.Hosting.SecretRules.Check("Platform:ClusterToken", ClusterToken) is { } token)
            yield return token;
        if (ReplicationFactor < 1) yield return "Platform:Cluster:ReplicationFactor must be at least 1";
        if (HeartbeatInterval <= TimeSpan.Zero) yield return "Platform:Cluster:HeartbeatInterval must be positive";
        if (WorkerTtl <= HeartbeatInterval) yield return "Platform:Cluster:WorkerTtl must be longer than the heartbeat interval";
        if (MaxInvokeAttempts < 1) yield return "Platform:Cluster:MaxInvokeAttempts must be at least 1";
    }
}
