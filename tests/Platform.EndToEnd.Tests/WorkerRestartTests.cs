using Platform.ControlPlane.Cluster;

namespace Platform.EndToEnd.Tests;

/// <summary>
/// A worker that goes away leaves placement; restarted on the same cache folder and id it serves
/// from its disk artifacts without compiling, and fetches at registration what was uploaded (and
/// assigned to it) while it was down.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class WorkerRestartTests(EndToEndEnvironment environment)
{
    [Fact]
    public async Task RestartedWorker_ServesFromDiskWithoutCompiling_AndFetchesWhatWasUploadedWhileDown()
    {
        await using var cluster = await TestCluster.StartAsync(environment.Postgres);
        var (tenant, key) = await cluster.CreateTenantAsync();
        var ids = cluster.Workers.Select(w => w.Id).ToList();

        var first = await cluster.DeployWatAsync(key, "resident", GuestWat.Writes($"{tenant} resident"));
        var sha1 = first["sha256"]!.GetValue<string>();
        var placement = cluster.Placement(sha1);
        var id = placement[0];
        await Eventually.WaitForAsync(async () => (await cluster.Worker(id).StatusAsync()).Modules.Contains(sha1), TimeSpan.FromSeconds(20), "the push of resident");
        (await cluster.InvokeAsync(key, "resident")).AssertOk($"{tenant} resident");
        Assert.Equal(id, (await cluster.InvokeAsync(key, "resident")).Worker);
        var cacheDir = cluster.Worker(id).CacheDir;

        // Down: until its TTL passes it is still ranked first, and the refused connection sends the
        // call to the next worker; then it leaves placement and the other holder serves.
        await cluster.StopWorkerAsync(cluster.Worker(id));
        Assert.Equal(id, cluster.Placement(sha1)[0]);
        var failover = await cluster.InvokeAsync(key, "resident");
        failover.AssertOk($"{tenant} resident");
        Assert.Equal(placement[1], failover.Worker);
        await cluster.WaitUntilGoneAsync(id);
        var meanwhile = await cluster.InvokeAsync(key, "resident");
        meanwhile.AssertOk($"{tenant} resident");
        Assert.Equal(placement[1], meanwhile.Worker);

        // Back on the same folder and id: it holds the artifact before it serves anything, and compiles nothing.
        var restarted = await cluster.StartWorkerAsync(id);
        Assert.Equal(cacheDir, restarted.CacheDir);
        var atStart = await restarted.StatusAsync();
        Assert.Equal(id, atStart.WorkerId);
        Assert.Contains(sha1, atStart.Modules);
        Assert.Equal(0, atStart.Compiles);
        await cluster.WaitUntilLiveAsync(id);

        var served = await cluster.InvokeAsync(key, "resident");
        served.AssertOk($"{tenant} resident");
        Assert.Equal(id, served.Worker);
        var afterInvoke = await restarted.StatusAsync();
        Assert.Equal(0, afterInvoke.Compiles);
        Assert.Equal(0, afterInvoke.CacheMisses);
        Assert.True(afterInvoke.CacheMemoryHits + afterInvoke.CacheDiskHits >= 1, $"memory hits {afterInvoke.CacheMemoryHits}, disk hits {afterInvoke.CacheDiskHits}");

        // Down again; uploads meanwhile go to the live workers only. Upload until one module would
        // be led by this worker when all three are up (rendezvous scores depend only on ids).
        await cluster.StopWorkerAsync(restarted);
        await cluster.WaitUntilGoneAsync(id);
        var all = ids.Select(w => new WorkerInfo(w, "http://unused", 1, 0, 0, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow)).ToList();
        var assignedWhileDown = new List<string>();
        var notAssigned = new List<string>();
        string? led = null;
        for (var i = 0; i < 30 && led is null; i++)
        {
            var deployed = await cluster.DeployWatAsync(key, $"late-{i}", GuestWat.Writes($"{tenant} late {i}"));
            var sha = deployed["sha256"]!.GetValue<string>();
            var ranked = RendezvousPlacement.Rank(sha, all).Select(w => w.Id).ToList();
            Assert.Equal(ranked.Where(w => w != id), cluster.Placement(sha));
            if (ranked.Take(TestCluster.ReplicationFactor).Contains(id))
                assignedWhileDown.Add(sha);
            else
                notAssigned.Add(sha);
            if (ranked[0] == id)
                led = $"late-{i}";
        }

        Assert.NotNull(led);
        var ledSha = assignedWhileDown[^1];

        // Back again: at registration it fetches (and loads the signed artifacts of) exactly what it is assigned and lacks, before any invoke.
        var again = await cluster.StartWorkerAsync(id);
        await Eventually.WaitForAsync(
            async () => assignedWhileDown.All((await again.StatusAsync()).Modules.Contains),
            TimeSpan.FromSeconds(20),
            $"{id} to fetch the {assignedWhileDown.Count} modules assigned to it while it was down");
        await cluster.WaitUntilLiveAsync(id);
        var fetched = await again.StatusAsync();
        Assert.Contains(sha1, fetched.Modules);
        Assert.All(notAssigned, sha => Assert.DoesNotContain(sha, fetched.Modules));
        Assert.Equal(assignedWhileDown.Count, fetched.ArtifactLoads);
        Assert.Equal(0, fetched.Compiles);
        Assert.Equal(cluster.Placement(ledSha)[0], id);

        var late = await cluster.InvokeAsync(key, led);
        late.AssertOk($"{tenant} late {led["late-".Length..]}");
        Assert.Equal(id, late.Worker);
        var afterLate = await again.StatusAsync();
        Assert.Equal(fetched.Compiles, afterLate.Compiles);
        Assert.Equal(fetched.CacheMisses, afterLate.CacheMisses);
    }
}
