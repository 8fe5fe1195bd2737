using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Platform.Worker.Grpc;

namespace Platform.Worker;

public static class WorkerEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps <c>platform.v1.WorkerService</c>. Its unary calls may carry up to
    /// <see cref="WorkerOptions.MaxReceiveMessageBytes"/> whatever Kestrel's global body limit is
    /// (the control plane lowers that limit in <c>--role all</c>); pushes stream without one and
    /// are bounded by <see cref="WorkerOptions.MaxModuleBytes"/>. The returned builder takes
    /// further metadata (e.g. a listener affinity).
    /// </summary>
    public static GrpcServiceEndpointConventionBuilder MapWorker(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var options = endpoints.ServiceProvider.GetRequiredService<IOptions<WorkerOptions>>().Value;
        return endpoints.MapGrpcService<WorkerGrpcService>()
            .WithMetadata(new WorkerRequestSizeLimit(options.MaxReceiveMessageBytes + (64L << 10)));
    }

    private sealed class WorkerRequestSizeLimit(long limit) : IRequestSizeLimitMetadata
    {
        public long? MaxRequestBodySize => limit;
    }
}
