using Microsoft.Extensions.Hosting;
using Platform.Hosting.InProcess;

namespace Platform.Worker.Invocation;

/// <summary>
/// Lists this worker in the process's <see cref="InProcessWorkers"/> once its host has started,
/// and takes it off as soon as the host begins to stop: from then on a control plane of the same
/// process calls it over gRPC like any other worker (and finds it gone).
/// </summary>
internal sealed class InProcessListing(InProcessWorkers workers, WorkerInvoker invoker) : IHostedLifecycleService
{
    private IDisposable? _listing;

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken)
    {
        _listing = workers.Add(invoker);
        return Task.CompletedTask;
    }

    public Task StoppingAsync(CancellationToken cancellationToken)
    {
        Interlocked.Exchange(ref _listing, null)?.Dispose();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => StoppingAsync(cancellationToken);

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
