using System.Collections.Concurrent;

namespace Platform.Hosting.InProcess;

/// <summary>
/// The workers running in this process (<c>dev</c>, <c>--role all</c>), by worker id. One
/// instance is shared by a control plane and the workers it may call directly: the hosts of one
/// process share it only when they are given the same instance, so separate hosts (and separate
/// processes) keep talking gRPC. A worker is listed from its start until its host begins to stop.
/// </summary>
public sealed class InProcessWorkers
{
    private readonly ConcurrentDictionary<string, IInProcessWorker> _workers = new(StringComparer.Ordinal);

    /// <summary>Lists <paramref name="worker"/> until the returned handle is disposed.</summary>
    /// <exception cref="InvalidOperationException">Another worker of this process has the same id.</exception>
    public IDisposable Add(IInProcessWorker worker)
    {
        ArgumentNullException.ThrowIfNull(worker);
        if (!_workers.TryAdd(worker.WorkerId, worker))
            throw new InvalidOperationException($"two workers of this process have the id '{worker.WorkerId}'; give each its own Platform:WorkerId");
        return new Listing(this, worker);
    }

    /// <summary>The worker of this process with <paramref name="workerId"/>, or null.</summary>
    public IInProcessWorker? Find(string workerId) => _workers.GetValueOrDefault(workerId);

    private sealed class Listing(InProcessWorkers owner, IInProcessWorker worker) : IDisposable
    {
        public void Dispose() => owner._workers.TryRemove(new KeyValuePair<string, IInProcessWorker>(worker.WorkerId, worker));
    }
}
