using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Platform.ControlPlane.Cluster;

namespace Platform.ControlPlane.Tests;

/// <summary>A worker that cannot be reached is skipped once its circuit breaker opens.</summary>
[Collection(PostgresCollection.Name)]
public sealed class WorkerBreakerTests(PostgresFixture postgres)
{
    [Fact]
    public async Task Invoke_DeadWorkerInRegistry_SkippedAfterBreakerOpens()
    {
        await using var database = await postgres.CreateDatabaseAsync().Within();
        await using var cluster = await InvokeCluster.StartAsync(database.ConnectionString, new Dictionary<string, string?>
        {
            ["Platform:Cluster:BreakerMinimumThroughput"] = "3",
            ["Platform:Cluster:BreakerFailureRatio"] = "0.5",
            ["Platform:Cluster:BreakerBreakDuration"] = "00:01:00",
        });

        // A registered, "live" worker whose port nobody listens on.
        var port = FreePort.Next();
        await using (var connection = new NpgsqlConnection(database.ConnectionString))
        {
            await connection.OpenAsync().Within();
            await using var insert = new NpgsqlCommand(
                """
                INSERT INTO workers (id, advertise_url, capacity, module_count, registered_at, last_heartbeat)
                VALUES ('dead', @url, 4, 0, now(), now() + interval '1 hour')
                """, connection);
            insert.Parameters.AddWithValue("url", $"http://127.0.0.1:{port}");
            await insert.ExecuteNonQueryAsync().Within();
        }

        await cluster.Registry.RefreshAsync(CancellationToken.None).Within();
        Assert.Contains(cluster.Registry.Live, w => w.Id == "dead");
        var (_, key) = await cluster.CreateTenantAsync();

        // A function whose placement ranks the dead worker first.
        string? name = null;
        for (var i = 0; i < 40 && name is null; i++)
        {
            var deployed = await cluster.DeployAsync(key, $"fn-{i}", MetadataCacheTests.Constant($"out{i}"));
            if (RendezvousPlacement.Rank(deployed["sha256"]!.GetValue<string>(), cluster.Registry.Live)[0].Id == "dead")
                name = $"fn-{i}";
        }

        Assert.NotNull(name);
        var breakers = cluster.ControlPlane.Services.GetRequiredService<WorkerBreakers>();
        Assert.False(breakers.IsOpen("dead"));

        // Each call first meets the refused connection, then runs on w1: never a failure for the caller.
        for (var i = 0; i < 3; i++)
        {
            var result = await cluster.InvokeAsync(key, name);
            Assert.Equal((HttpStatusCode.OK, "w1"), (result.Status, result.Worker));
        }

        Assert.True(breakers.IsOpen("dead"));

        // Open: the router does not call the dead worker. Something now accepts connections there and
        // drops them, so a call routed to it would fail (UNAVAILABLE) instead of running on w1. The
        // gRPC channel itself may still reconnect in the background, so accepts prove nothing.
        using var listener = new TcpListener(IPAddress.Loopback, port);
        listener.Start();
        using var stop = new CancellationTokenSource();
        var accepting = Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    using var socket = await listener.AcceptSocketAsync(stop.Token);
                }
            }
            catch (OperationCanceledException)
            {
            }
        });

        var watch = Stopwatch.StartNew();
        for (var i = 0; i < 10; i++)
        {
            var result = await cluster.InvokeAsync(key, name);
            Assert.Equal((HttpStatusCode.OK, "w1"), (result.Status, result.Worker));
        }

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"10 invocations took {watch.Elapsed}");
        Assert.True(breakers.IsOpen("dead"));
        await stop.CancelAsync();
        await accepting.Within();
    }

    [Fact]
    public async Task Invoke_OneTenantsCallsOutliveTheirDeadline_WorkerStaysInPlacementForOthers()
    {
        await using var database = await postgres.CreateDatabaseAsync().Within();
        // No margin: the control plane's deadline is the function's own timeout, which passes before
        // the worker's sandbox (started later) reports TIMEOUT, so the calls end DeadlineExceeded.
        await using var cluster = await InvokeCluster.StartAsync(database.ConnectionString, new Dictionary<string, string?>
        {
            ["Platform:Cluster:InvokeDeadlineMargin"] = "00:00:00",
            ["Platform:Cluster:BreakerMinimumThroughput"] = "2",
            ["Platform:Cluster:BreakerFailureRatio"] = "0.1",
            ["Platform:Cluster:BreakerBreakDuration"] = "00:01:00",
        });
        var (_, hostile) = await cluster.CreateTenantAsync();
        var (_, other) = await cluster.CreateTenantAsync();
        await cluster.DeployAsync(hostile, "slow", """(module (memory (export "memory") 1) (func (export "_start") (loop (br 0))))""", """{"timeoutMs": 200}""");
        await cluster.DeployAsync(other, "hello", Modules.Hello);
        var breakers = cluster.ControlPlane.Services.GetRequiredService<WorkerBreakers>();

        var outcomes = new List<string?>();
        for (var i = 0; i < 6; i++)
            outcomes.Add((await cluster.InvokeAsync(hostile, "slow")).Code);

        Assert.All(outcomes, o => Assert.Contains(o, new[] { "UNAVAILABLE", "TIMEOUT" }));
        Assert.Contains("UNAVAILABLE", outcomes);
        Assert.False(breakers.IsOpen("w1"));
        for (var i = 0; i < 3; i++)
        {
            var result = await cluster.InvokeAsync(other, "hello");
            Assert.Equal((HttpStatusCode.OK, "w1"), (result.Status, result.Worker));
        }

        Assert.False(breakers.IsOpen("w1"));
    }
}
