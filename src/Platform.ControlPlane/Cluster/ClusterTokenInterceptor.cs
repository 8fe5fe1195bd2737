using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Options;
using Platform.ControlPlane.Errors;

namespace Platform.ControlPlane.Cluster;

/// <summary>Refuses internal calls (ClusterService) that do not carry the cluster token.</summary>
internal sealed class ClusterTokenInterceptor(IOptions<ClusterOptions> options) : Interceptor
{
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        Check(context);
        return continuation(request, context);
    }

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Check(context);
        return continuation(request, responseStream, context);
    }

    private void Check(ServerCallContext context)
    {
        if (!ClusterToken.Matches(context.RequestHeaders.GetValue(ClusterToken.MetadataKey), options.Value.ClusterToken!))
            throw new PlatformException(ErrorCode.Unauthenticated, "internal call without a valid cluster token");
    }
}
