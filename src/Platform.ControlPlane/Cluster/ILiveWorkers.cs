namespace Platform.ControlPlane.Cluster;

/// <summary>The workers in placement right now (for hosts and tests that wait for them).</summary>
public interface ILiveWorkers
{
    /// <summary>Workers whose heartbeat is within the TTL, as of the last refresh.</summary>
    IReadOnlyList<WorkerInfo> Live { get; }

    /// <summary>Reloads the live set from the registry now.</summary>
    Task RefreshAsync(CancellationToken cancellationToken);
}
