using System.Diagnostics.Metrics;
using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Platform.ControlPlane.Telemetry;

namespace Platform.ControlPlane.Tests;

/// <summary>
/// One compile per module in the cluster: the control plane's upload compile. Its signed artifact
/// rides the push, the three workers load it, and the deploy answers once they hold it.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ArtifactDistributionTests(PostgresFixture postgres)
{
    private static readonly string[] WorkerIds = ["a1", "a2", "a3"];

    [Fact]
    public async Task Deploy_ToThreeWorkers_CompilesOnceAndEveryWorkerLoadsTheArtifact()
    {
        await using var cluster = await InProcessCluster.StartAsync(postgres, "platform-cp-artifacts", new Dictionary<string, string?>
        {
            ["Platform:Cluster:ReplicationFactor"] = "3",
            ["Platform:Cluster:WorkerTtl"] = "00:00:06",
        }, settings: null);
        await Task.WhenAll(WorkerIds.Select(id => cluster.StartWorkerAsync(id)));
        await cluster.WaitUntilLiveAsync(WorkerIds);
        using var uploadCompiles = new UploadCompileCounter(cluster.ControlPlane.Services.GetRequiredService<IMeterFactory>());
        var (_, key) = await ApiCalls.CreateTenantAsync(cluster.Admin, null);
        using var client = cluster.ControlPlane.CreateClient(key);

        await ApiCalls.DeployAsync(client, "echo", new StringContent(GuestWat.Echo, Encoding.UTF8, "text/plain"));

        // Ready when the deploy answered: no waiting for the workers.
        var statuses = await Task.WhenAll(cluster.Workers.Select(w => w.StatusAsync()));
        Assert.All(statuses, status => Assert.Single(status.Modules));
        Assert.Equal(0, statuses.Sum(s => s.Compiles));
        Assert.Equal(3, statuses.Sum(s => s.ArtifactLoads));
        Assert.Equal(0, statuses.Sum(s => s.ArtifactRejections));
        Assert.Equal(1, uploadCompiles.Count);

        for (var i = 0; i < 6; i++)
        {
            using var response = await ApiCalls.InvokeAsync(client, "echo", Encoding.UTF8.GetBytes($"call {i}"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal($"call {i}", await response.Content.ReadAsStringAsync().Within());
        }

        var after = await Task.WhenAll(cluster.Workers.Select(w => w.StatusAsync()));
        Assert.Equal(0, after.Sum(s => s.Compiles));
        Assert.Equal(1, uploadCompiles.Count);
    }

    [Fact]
    public async Task Deploy_ToAWorkerThatTrustsAnotherKey_TheWorkerCompilesAndServes()
    {
        await using var cluster = await InProcessCluster.StartAsync(postgres, "platform-cp-artifacts", new Dictionary<string, string?>
        {
            ["Platform:Cluster:ReplicationFactor"] = "1",
            ["Platform:Cluster:WorkerTtl"] = "00:00:06",
        }, settings: null);
        using var stranger = Platform.Runtime.Artifacts.ArtifactSigner.CreateEphemeral();
        // The worker trusts some other key file in place of the control plane's.
        var strangerPath = Path.Combine(cluster.Root, "stranger.pub");
        await File.WriteAllTextAsync(strangerPath, stranger.PublicKeyPem);
        var worker = await cluster.StartWorkerAsync("b1", arguments: [$"--Platform:Artifacts:TrustedPublicKeyPaths:0={strangerPath}"]);
        await cluster.WaitUntilLiveAsync("b1");
        var (_, key) = await ApiCalls.CreateTenantAsync(cluster.Admin, null);
        using var client = cluster.ControlPlane.CreateClient(key);

        await ApiCalls.DeployAsync(client, "echo", new StringContent(GuestWat.Echo, Encoding.UTF8, "text/plain"));
        using var response = await ApiCalls.InvokeAsync(client, "echo", "refused"u8.ToArray());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("refused", await response.Content.ReadAsStringAsync().Within());
        var status = await worker.StatusAsync();
        Assert.Equal(1, status.Compiles);
        Assert.Equal(0, status.ArtifactLoads);
        Assert.Equal(1, status.ArtifactRejections);
    }

    /// <summary>Counts <c>platform.upload.compiles</c> of one control plane (its own meter factory, not the process's other hosts).</summary>
    private sealed class UploadCompileCounter : IDisposable
    {
        private readonly MeterListener _listener = new();
        private long _count;

        public UploadCompileCounter(IMeterFactory factory)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Name == ControlPlaneMetrics.UploadCompilesName && instrument.Meter.Scope == factory)
                    listener.EnableMeasurementEvents(instrument);
            };
            _listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref _count, value));
            _listener.Start();
        }

        public long Count => Interlocked.Read(ref _count);

        public void Dispose() => _listener.Dispose();
    }
}
