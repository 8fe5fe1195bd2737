using Google.Protobuf;
using Microsoft.Extensions.DependencyInjection;
using Platform.Contracts.V1;
using Platform.ControlPlane.Cluster;

namespace Platform.Telemetry.Tests;

/// <summary>Pushes, compiles, the artifact cache and the worker gauges, on the shared cluster.</summary>
[Collection(TelemetryCollection.Name)]
public sealed class ClusterMetricsTests(TelemetryEnvironment environment)
{
    private const string Pushes = "platform.pushes";
    private const string Compile = "platform.module.compile.duration";
    private const string UploadCompiles = "platform.upload.compiles";
    private const string ArtifactLoads = "platform.artifact.loads";
    private const string Lookups = "platform.cache.lookups";
    private const string InFlight = "platform.worker.invocations.in_flight";
    private const string LiveWorkers = "platform.workers.live";

    [Fact]
    public async Task Upload_PushedToPlacedWorker_PushOkArtifactLoadedThenMemoryHit()
    {
        var cluster = await environment.SharedClusterAsync();
        var (_, key) = await cluster.CreateTenantAsync();
        var before = cluster.Collector.CollectMetrics();

        var version = await cluster.DeployAsync(key, "hello", Wat.Salted(Wat.Hello));
        var sha256 = version["sha256"]!.GetValue<string>();
        var placed = RendezvousPlacement.Rank(sha256, cluster.Registry.Live)[0].Id;
        var pushed = await Eventually.WaitForAsync(
            cluster.Collector.CollectMetrics,
            m => m.Count(Pushes, ("result", "ok")) > before.Count(Pushes, ("result", "ok")),
            "the upload's push");

        Assert.Equal(1, pushed.Count(Pushes, ("result", "ok")) - before.Count(Pushes, ("result", "ok")));
        Assert.Equal(before.Count(Pushes, ("result", "failed")), pushed.Count(Pushes, ("result", "failed")));
        // The whole path's compiles for one upload: the control plane's check, whose signed artifact the placed worker loads.
        Assert.Equal(1, pushed.Count(UploadCompiles) - before.Count(UploadCompiles));
        Assert.Equal(before.HistogramCount(Compile), pushed.HistogramCount(Compile));
        // The load, as the placed worker's own /metrics exposes it.
        var worker = cluster.Workers.Single(w => w.Id == placed);
        using var http = new HttpClient { BaseAddress = worker.MetricsUri, Timeout = TestTimeouts.Default };
        var exposition = await http.GetStringAsync("/metrics").Within();
        Assert.Contains(exposition.Split('\n'), line => line.StartsWith("platform_artifact_loads_total{", StringComparison.Ordinal)
            && line.Contains("result=\"loaded\"", StringComparison.Ordinal) && line.Contains($"worker=\"{placed}\"", StringComparison.Ordinal)
            && double.Parse(line[(line.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture) >= 1);
        Assert.DoesNotContain(exposition.Split('\n'), line => line.StartsWith("platform_artifact_loads_total{", StringComparison.Ordinal) && line.Contains("result=\"rejected\"", StringComparison.Ordinal));
        var status = await worker.StatusAsync();
        Assert.Equal(0, status.ArtifactRejections);
        Assert.True(status.ArtifactLoads >= 1);

        var (_, outcome, response) = await cluster.InvokeAsync(key, "hello");
        response.Dispose();
        Assert.Equal("OK", outcome);
        Assert.Equal(placed, response.Headers.GetValues("Platform-Worker").Single());
        // Seen here: once another test of this class restarted a worker, the control plane's collector
        // no longer showed the workers' meters; the worker's own counters are the same facts.
        var invoked = await worker.StatusAsync();
        Assert.Equal(status.CacheMemoryHits + 1, invoked.CacheMemoryHits);
        Assert.Equal(status.CacheMisses, invoked.CacheMisses);
        Assert.Equal(status.Compiles, invoked.Compiles);
    }

    [Fact]
    public async Task Restart_WorkerWithArtifactsOnDisk_DiskLookups()
    {
        var cluster = await environment.SharedClusterAsync();
        var id = "disk-" + Guid.NewGuid().ToString("N")[..6];
        var worker = await cluster.StartWorkerAsync(id);
        var wasm = Wasmtime.Module.ConvertText(Wat.Salted(Wat.Hello));
        using (var push = worker.Client.PushModule(deadline: TestTimeouts.Deadline()))
        {
            var sha256 = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(wasm));
            await push.RequestStream.WriteAsync(new PushModuleRequest { Header = new PushModuleHeader { Sha256 = sha256, SizeBytes = wasm.Length } }).Within();
            await push.RequestStream.WriteAsync(new PushModuleRequest { Chunk = ByteString.CopyFrom(wasm) }).Within();
            await push.RequestStream.CompleteAsync().Within();
            Assert.True((await push.ResponseAsync.Within()).Compiled);
        }

        // Compiled on the push (the new worker may also have fetched and compiled modules placement gives it).
        var compiled = cluster.Collector.CollectMetrics();
        Assert.True(compiled.HistogramCount(Compile, ("worker", id)) >= 1);
        Assert.Equal(0, compiled.Count(Lookups, ("worker", id), ("result", "disk")));

        await cluster.StopWorkerAsync(worker);
        var restarted = await cluster.StartWorkerAsync(id);
        try
        {
            // The restarted worker loads what is on disk (the pushed module at least) before it registers.
            var metrics = cluster.Collector.CollectMetrics();
            Assert.True(metrics.Count(Lookups, ("worker", id), ("result", "disk")) >= 1);
        }
        finally
        {
            await cluster.StopWorkerAsync(restarted);
        }
    }

    [Fact]
    public async Task Gauges_SharedCluster_LiveWorkersAndIdleInFlightPerWorker()
    {
        var cluster = await environment.SharedClusterAsync();
        await cluster.Registry.RefreshAsync(CancellationToken.None).Within();

        var metrics = cluster.Collector.CollectMetrics();
        var live = Assert.Single(metrics.Points(LiveWorkers));
        Assert.Equal(cluster.Workers.Count, live.GetGaugeLastValueLong());
        Assert.Equal(2, cluster.Workers.Count);
        foreach (var worker in cluster.Workers)
        {
            var inFlight = Assert.Single(metrics.Points(InFlight, ("worker", worker.Id)));
            Assert.Equal(0, inFlight.GetGaugeLastValueLong());
        }
    }
}
