using Google.Rpc;
using Grpc.Core;

namespace Platform.EndToEnd.Tests;

internal static class RpcAssert
{
    /// <summary>The call failed with <paramref name="status"/> and a google.rpc.ErrorInfo (domain "platform") whose reason is <paramref name="reason"/>.</summary>
    public static ErrorInfo Failed(RpcException? error, StatusCode status, string reason)
    {
        Assert.NotNull(error);
        Assert.True(error.StatusCode == status, $"expected {status} {reason}, got {error.StatusCode}: {error.Status.Detail}");
        var rich = error.GetRpcStatus();
        Assert.NotNull(rich);
        Assert.Equal((int)status, rich.Code);
        var info = rich.GetDetail<ErrorInfo>();
        Assert.NotNull(info);
        Assert.Equal(reason, info.Reason);
        Assert.Equal("platform", info.Domain);
        Assert.False(string.IsNullOrWhiteSpace(rich.Message));
        return info;
    }

    public static async Task<ErrorInfo> FailsAsync(Func<Task> call, StatusCode status, string reason)
    {
        try
        {
            await call().Within();
        }
        catch (RpcException ex)
        {
            return Failed(ex, status, reason);
        }

        Assert.Fail($"expected {status} {reason}, but the call succeeded");
        return null!;
    }
}
