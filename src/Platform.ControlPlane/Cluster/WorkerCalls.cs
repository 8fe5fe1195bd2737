using Grpc.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Platform.Hosting.InProcess;
using V1 = Platform.Contracts.V1;

namespace Platform.ControlPlane.Cluster;

/// <summary>
/// The invoke call to one worker. A worker running in this process (<c>dev</c>, <c>--role all</c>)
/// is called directly with the same request object while
/// <see cref="ClusterOptions.InProcessWorkerCalls"/> is on: no serialization, no HTTP/2 over
/// loopback. Every other worker is called over gRPC. Both ways end the same for the caller: the
/// response, or the <see cref="RpcException"/> a gRPC client would see (the worker's refusal with
/// its rich status, <see cref="StatusCode.DeadlineExceeded"/> at the deadline,
/// <see cref="StatusCode.Cancelled"/> when the caller gave up, <see cref="StatusCode.Unknown"/>
/// for a worker that failed), so retries, breakers and outcomes do not depend on the way.
/// </summary>
internal sealed partial class WorkerCalls(WorkerClients clients, InProcessWorkers local, IOptions<ClusterOptions> options, TimeProvider time, ILogger<WorkerCalls> logger)
{
    public Task<V1.WorkerInvokeResponse> InvokeAsync(WorkerInfo worker, V1.WorkerInvokeRequest request, DateTime deadline, CancellationToken cancellationToken) =>
        options.Value.InProcessWorkerCalls && local.Find(worker.Id) is { } inProcess
            ? InvokeInProcessAsync(inProcess, request, deadline, cancellationToken)
            : clients.For(worker).InvokeAsync(request, deadline: deadline, cancellationToken: cancellationToken).ResponseAsync;

    private async Task<V1.WorkerInvokeResponse> InvokeInProcessAsync(IInProcessWorker worker, V1.WorkerInvokeRequest request, DateTime deadline, CancellationToken cancellationToken)
    {
        var remaining = deadline - time.GetUtcNow().UtcDateTime;
        if (remaining <= TimeSpan.Zero) throw DeadlineExceeded();
        using var timeout = new CancellationTokenSource(remaining, time);
        using var call = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        Task<V1.WorkerInvokeResponse>? invocation = null;
        try
        {
            invocation = worker.InvokeAsync(request, deadline, call.Token);
            // As with a gRPC call, the caller stops waiting at once; a sandbox already running ends at its own deadline.
            return await invocation.WaitAsync(call.Token);
        }
        catch (OperationCanceledException) when (call.IsCancellationRequested)
        {
            if (invocation is not null) Observe(invocation);
            throw cancellationToken.IsCancellationRequested
                ? new RpcException(new Status(StatusCode.Cancelled, "the caller cancelled the call"))
                : DeadlineExceeded();
        }
        catch (Exception ex) when (ex is not RpcException)
        {
            // What the worker's gRPC server answers for an exception it did not expect.
            LogWorkerFailed(logger, worker.WorkerId, ex);
            throw new RpcException(new Status(StatusCode.Unknown, "Exception was thrown by handler.", ex));
        }
    }

    private static RpcException DeadlineExceeded() => new(new Status(StatusCode.DeadlineExceeded, "Deadline Exceeded"));

    /// <summary>An invocation the caller stopped waiting for may still fail: its exception is observed, not left to the finalizer.</summary>
    private static void Observe(Task invocation) =>
        invocation.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

    [LoggerMessage(Level = LogLevel.Error, Message = "In-process worker {Worker} failed an invocation")]
    private static partial void LogWorkerFailed(ILogger logger, string worker, Exception exception);
}
