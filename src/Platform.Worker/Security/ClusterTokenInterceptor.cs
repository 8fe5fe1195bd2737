using System.Security.Cryptography;
using System.Text;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Options;
using Platform.Worker.Grpc;

namespace Platform.Worker.Security;

/// <summary>
/// Refuses every WorkerService call whose <c>x-platform-cluster-token</c> is missing or wrong with
/// UNAUTHENTICATED, before the method runs (and, for a push, before a byte of the stream is read).
/// The comparison is constant-time over SHA-256 digests, so neither content nor length leaks.
/// </summary>
internal sealed class ClusterTokenInterceptor : Interceptor
{
    private readonly byte[] _expectedDigest;

    public ClusterTokenInterceptor(IOptions<WorkerOptions> options)
    {
        _expectedDigest = SHA256.HashData(Encoding.UTF8.GetBytes(options.Value.ClusterToken ?? string.Empty));
    }

    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        Check(context);
        return continuation(request, context);
    }

    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Check(context);
        return continuation(requestStream, context);
    }

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Check(context);
        return continuation(request, responseStream, context);
    }

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Check(context);
        return continuation(requestStream, responseStream, context);
    }

    private void Check(ServerCallContext context)
    {
        var presented = context.RequestHeaders.GetValue(ClusterMetadata.TokenHeader);
        if (string.IsNullOrEmpty(presented))
            throw WorkerErrors.NotAuthenticated($"the cluster token ({ClusterMetadata.TokenHeader}) is missing");
        var digest = SHA256.HashData(Encoding.UTF8.GetBytes(presented));
        if (!CryptographicOperations.FixedTimeEquals(digest, _expectedDigest))
            throw WorkerErrors.NotAuthenticated("the cluster token is wrong");
    }
}
