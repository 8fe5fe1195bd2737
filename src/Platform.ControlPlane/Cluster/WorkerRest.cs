using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Platform.ControlPlane.Auth;
using Platform.ControlPlane.Json;

namespace Platform.ControlPlane.Cluster;

internal sealed record WorkerView(string Id, string Url, bool Live, int Capacity, int InFlight, int Modules, DateTimeOffset RegisteredAt, DateTimeOffset LastHeartbeat);

internal sealed record WorkerListResponse(IReadOnlyList<WorkerView> Workers);

/// <summary>Admin route <c>GET /v1/workers</c>: the registry with liveness.</summary>
internal static class WorkerRest
{
    public static void Map(RouteGroupBuilder v1)
    {
        v1.MapGet("/workers", ListAsync)
            .RequireCaller(CallerRequirement.AdminManagement)
            .WithTags("Workers")
            .Produces<WorkerListResponse>()
            .WithSummary("List registered workers and whether they are live (admin)");
    }

    private static async Task<IResult> ListAsync(WorkerRegistry registry, CancellationToken cancellationToken)
    {
        var workers = await registry.ListAsync(cancellationToken);
        return TypedResults.Json(
            new WorkerListResponse(workers.Select(w => new WorkerView(w.Id, w.AdvertiseUrl, registry.IsLive(w), w.Capacity, w.InFlight, w.ModuleCount, w.RegisteredAt, w.LastHeartbeat)).ToList()),
            ApiJson.Options);
    }
}
