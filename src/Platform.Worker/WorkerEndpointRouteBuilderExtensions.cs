using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Platform.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Platform.Worker.Grpc;

namespace Platform.Worker;

public static class WorkerEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps <c>platform.v1.WorkerService</c> behind the cluster-token gate, which checks the
    /// token from the headers before a byte of the body is read. Once a call passed it, its unary
    /// messages may carry up to <see cref="WorkerOptions.MaxReceiveMessageBytes"/> whatever
    /// Kestrel's global body limit is (the control plane lowers that limit in <c>--role all</c>);
    /// pushes stream without one and are bounded by <see cref="WorkerOptions.MaxModuleBytes"/>.
    /// The returned builder takes further metadata (e.g. a listener affinity).
    /// </summary>
    public static GrpcServiceEndpointConventionBuilder MapWorker(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var options = app.Services.GetRequiredService<IOptions<WorkerOptions>>().Value;
        app.UseMiddleware<ClusterTokenGate>(options.ClusterToken ?? "");
        return app.MapGrpcService<WorkerGrpcService>()
            .WithMetadata(ClusterTokenRequired.Instance, new WorkerRequestSizeLimit(options.MaxReceiveMessageBytes + (64L << 10)));
    }

    private sealed class WorkerRequestSizeLimit(long limit) : IRequestSizeLimitMetadata
    {
        public long? MaxRequestBodySize => limit;
    }
}
