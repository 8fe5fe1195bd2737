using Platform.Contracts.V1;

namespace Platform.EndToEnd.Tests;

/// <summary>Upload -> push to the placed workers (compiled then) -> invoke by name, on every worker.</summary>
[Collection(ClusterCollection.Name)]
public sealed class DistributionTests(EndToEndEnvironment environment)
{
    [Fact]
    public async Task Deploy_SeveralFunctions_EveryWorkerServesWhatPlacementGaveItWithoutCompilingAtInvoke()
    {
        // A cluster of its own: compile counters must not see pushes of other tests' uploads.
        await using var cluster = await TestCluster.StartAsync(environment.Postgres);
        var (tenant, key) = await cluster.CreateTenantAsync();
        var servedBy = new Dictionary<string, List<string>>(StringComparer.Ordinal);

        for (var i = 0; i < 30 && servedBy.Count < cluster.Workers.Count; i++)
        {
            var name = $"spread-{i}";
            var output = $"{tenant} function {i}";
            var before = await StatusesAsync(cluster);

            var deployed = await cluster.DeployWatAsync(key, name, GuestWat.Writes(output));
            var sha256 = deployed["sha256"]!.GetValue<string>();
            Assert.Equal(1, deployed["version"]!.GetValue<int>());
            var placement = cluster.Placement(sha256);
            Assert.True(placement.Count == cluster.Workers.Count, $"live: {string.Join(", ", placement)}; {await cluster.DescribeWorkersAsync()}");
            var assigned = placement.Take(TestCluster.ReplicationFactor).ToList();

            // The deploy answered once the assigned workers held the module: each loaded the control
            // plane's signed artifact, none compiled.
            var pushed = await StatusesAsync(cluster);
            foreach (var (id, status) in pushed)
            {
                var loadedHere = assigned.Contains(id) ? 1 : 0;
                Assert.True(before[id].ArtifactLoads + loadedHere == status.ArtifactLoads, $"{id}: artifact loads {before[id].ArtifactLoads} -> {status.ArtifactLoads}, expected +{loadedHere} (assigned: {string.Join(", ", assigned)})");
                Assert.Equal(before[id].Compiles, status.Compiles);
                Assert.Equal(assigned.Contains(id), status.Modules.Contains(sha256));
            }

            var invoked = await cluster.InvokeAsync(key, name);
            invoked.AssertOk(output, version: 1);
            Assert.Equal(placement[0], invoked.Worker);

            // The first invocation found the pushed artifact in memory: no compile, no miss, no fetch.
            var after = await cluster.Worker(placement[0]).StatusAsync();
            var atPush = pushed[placement[0]];
            Assert.Equal(atPush.Compiles, after.Compiles);
            Assert.Equal(atPush.CacheMisses, after.CacheMisses);
            Assert.Equal(atPush.CacheMemoryHits + 1, after.CacheMemoryHits);

            if (!servedBy.TryGetValue(invoked.Worker!, out var names))
                servedBy[invoked.Worker!] = names = [];
            names.Add(name);
        }

        Assert.Equal(cluster.Workers.Select(w => w.Id).Order(StringComparer.Ordinal), servedBy.Keys.Order(StringComparer.Ordinal));

        // Every function still answers, from the same worker (placement is stable).
        foreach (var (worker, names) in servedBy)
        {
            foreach (var name in names)
            {
                var again = await cluster.InvokeAsync(key, name);
                again.AssertOk($"{tenant} function {name["spread-".Length..]}", version: 1);
                Assert.Equal(worker, again.Worker);
            }
        }
    }

    [Fact]
    public async Task Invoke_ModuleTheWorkerLacks_ConcurrentCallsShareOneFetchAndArtifactLoad()
    {
        await using var cluster = await TestCluster.StartAsync(environment.Postgres);
        var (tenant, key) = await cluster.CreateTenantAsync();
        var deployed = await cluster.DeployWatAsync(key, "lazy", GuestWat.Writes($"{tenant} lazy"));
        var sha256 = deployed["sha256"]!.GetValue<string>();
        var worker = cluster.Worker(cluster.Placement(sha256)[0]);
        Assert.Contains(sha256, (await worker.StatusAsync()).Modules);

        // The worker loses the module (memory and disk); the next calls find it missing.
        var evicted = await worker.Client.EvictAsync(new EvictRequest { Sha256 = sha256 }, deadline: TestTimeouts.Deadline()).ResponseAsync.Within();
        Assert.True(evicted.Evicted);
        var before = await worker.StatusAsync();
        Assert.DoesNotContain(sha256, before.Modules);

        // As many calls as it runs at once (one more would be shed as OVERLOADED and go to the next worker).
        Assert.True(before.Capacity >= 2, $"capacity {before.Capacity}");
        var calls = await Task.WhenAll(Enumerable.Range(0, before.Capacity).Select(_ => cluster.InvokeAsync(key, "lazy")));
        foreach (var call in calls)
        {
            call.AssertOk($"{tenant} lazy", version: 1);
            Assert.Equal(worker.Id, call.Worker);
        }

        var after = await worker.StatusAsync();
        Assert.Contains(sha256, after.Modules);
        Assert.Equal(before.ArtifactLoads + 1, after.ArtifactLoads);
        Assert.Equal(before.Compiles, after.Compiles);
    }

    private static async Task<Dictionary<string, WorkerStatus>> StatusesAsync(TestCluster cluster)
    {
        var statuses = await Task.WhenAll(cluster.Workers.Select(w => w.StatusAsync()));
        foreach (var (worker, status) in cluster.Workers.Zip(statuses))
            Assert.Equal(worker.Id, status.WorkerId);
        return statuses.ToDictionary(s => s.WorkerId, StringComparer.Ordinal);
    }
}
