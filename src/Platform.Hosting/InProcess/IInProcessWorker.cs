using Platform.Contracts.V1;

namespace Platform.Hosting.InProcess;

/// <summary>
/// A worker's invoke, callable without the network by a control plane of the same process. It
/// answers and fails exactly as <c>WorkerService/Invoke</c> does: refusals are
/// <see cref="Grpc.Core.RpcException"/>s with the same rich status.
/// </summary>
public interface IInProcessWorker
{
    /// <summary>The worker's id in the registry.</summary>
    string WorkerId { get; }

    /// <param name="request">Read only: the caller may send the same request to another worker.</param>
    /// <param name="deadline">When the caller stops waiting (UTC), as a gRPC call's deadline; null: none.</param>
    Task<WorkerInvokeResponse> InvokeAsync(WorkerInvokeRequest request, DateTime? deadline, CancellationToken cancellationToken);
}
