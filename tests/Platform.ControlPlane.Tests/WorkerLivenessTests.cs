using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using Platform.ControlPlane.Cluster;
using Platform.ControlPlane.Database;
using Polly;

namespace Platform.ControlPlane.Tests;

/// <summary>Which registered workers a control plane routes to, by their last heartbeat and its own start.</summary>
public sealed class WorkerLivenessTests
{
    private static readonly TimeSpan Ttl = TimeSpan.FromSeconds(6);

    [Fact]
    public async Task WorkerLiveWhenTheControlPlaneStarted_StaysLiveForOneTtlFromTheStart()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero));
        await using var unused = NpgsqlDataSource.Create("Host=127.0.0.1;Port=1;Database=none;Username=none;Password=none");
        var registry = new WorkerRegistry(new Db(unused, ResiliencePipeline.Empty), time, Options.Create(new ClusterOptions { WorkerTtl = Ttl }));
        var started = time.GetUtcNow();
        var heardBeforeTheRestart = Worker("w1", started - TimeSpan.FromSeconds(4));
        var deadBeforeTheRestart = Worker("w2", started - TimeSpan.FromSeconds(7));

        // Past the TTL from its last heartbeat (4 s + 5 s), within the TTL from this start.
        time.Advance(TimeSpan.FromSeconds(5));
        Assert.True(registry.IsLive(heardBeforeTheRestart));
        Assert.False(registry.IsLive(deadBeforeTheRestart));

        // One TTL after the start without a heartbeat: gone.
        time.Advance(TimeSpan.FromSeconds(1.5));
        Assert.False(registry.IsLive(heardBeforeTheRestart));
        Assert.True(registry.IsLive(Worker("w1", time.GetUtcNow() - TimeSpan.FromSeconds(1))));
    }

    private static WorkerInfo Worker(string id, DateTimeOffset lastHeartbeat) =>
        new(id, "http://127.0.0.1:1", 2, 0, 0, lastHeartbeat - TimeSpan.FromMinutes(1), lastHeartbeat);
}
