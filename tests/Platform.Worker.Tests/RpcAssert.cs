using Google.Rpc;
using Grpc.Core;
using Platform.Contracts.V1;

namespace Platform.Worker.Tests;

internal static class RpcAssert
{
    /// <summary>Awaits a call the worker must refuse with <paramref name="status"/> and the typed <paramref name="reason"/>; returns the exception.</summary>
    public static async Task<RpcException> FailsAsync(Func<Task> call, StatusCode status, RefusalReason reason)
    {
        var ex = await FailsAsync(call, status);
        var refusal = ex.GetRpcStatus()?.GetDetail<WorkerRefusal>();
        Assert.NotNull(refusal);
        Assert.Equal(reason, refusal.Reason);
        return ex;
    }

    /// <summary>Awaits a call that must fail with <paramref name="status"/> and, when given, the ErrorInfo reason (the cluster-token gate's); returns the exception.</summary>
    public static async Task<RpcException> FailsAsync(Func<Task> call, StatusCode status, string? reason = null)
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() => call().WaitAsync(TestTimeouts.Default));
        Assert.Equal(status, ex.StatusCode);
        if (reason is not null)
        {
            var rich = ex.GetRpcStatus();
            Assert.NotNull(rich);
            var info = rich.GetDetail<ErrorInfo>();
            Assert.NotNull(info);
            Assert.Equal(ClusterMetadata.ErrorDomain, info.Domain);
            Assert.Equal(reason, info.Reason);
        }

        return ex;
    }
}
