using System.Net;
using System.Text;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Platform.Contracts.V1;
using Platform.ControlPlane.Cluster;
using Platform.Hosting.InProcess;

namespace Platform.ControlPlane.Tests;

/// <summary>
/// Workers in the control plane's process (dev, --role all) are called directly, and everything a
/// caller sees is what the gRPC hop gives: outcomes, refusals, failover, limits, cancellation.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class InProcessWorkerCallTests(PostgresFixture postgres)
{
    private const string SpinConfig = """{"fuel":1000000000000,"timeoutMs":300}""";

    /// <summary>Long enough to still run while the test looks at the worker's queue and slots.</summary>
    private const string LongSpinConfig = """{"fuel":1000000000000,"timeoutMs":10000}""";

    private static readonly object Quotas = new { maxFuel = 1_000_000_000_000L, maxTimeoutMs = 10000, maxInputBytes = 64 };

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Invoke_InProcessOrOverGrpc_SameOutcomesAndWorkerMetrics(bool inProcess)
    {
        await using var cluster = await SharedProcessCluster.StartAsync(postgres, inProcess, ["w1"]);
        using var meter = new WorkerMeter(cluster.Worker("w1").Services);
        var (_, key) = await ApiCalls.CreateTenantAsync(cluster.Hosts.Admin, Quotas);
        await cluster.DeployAsync(key, "echo", GuestWat.Echo);
        await cluster.DeployAsync(key, "trap", GuestWat.Unreachable);
        await cluster.DeployAsync(key, "spin", LimitsTests.Spin, SpinConfig);
        await cluster.DeployAsync(key, "exit", GuestWat.Exit(3));
        await cluster.DeployBinaryAsync(key, "component", Wasmtime.Module.ConvertText(ComponentWat.Invoke));

        Assert.Equal(new SharedProcessCluster.Invoked(HttpStatusCode.OK, "OK", "ping", "w1"), await cluster.InvokeAsync(key, "echo", "ping"));
        var trap = await cluster.InvokeAsync(key, "trap");
        Assert.Equal((HttpStatusCode.InternalServerError, "TRAP", "w1"), (trap.Status, trap.Code, trap.Worker));
        var timeout = await cluster.InvokeAsync(key, "spin");
        Assert.Equal((HttpStatusCode.GatewayTimeout, "TIMEOUT", "w1"), (timeout.Status, timeout.Code, timeout.Worker));
        var exit = await cluster.InvokeAsync(key, "exit");
        Assert.Equal((HttpStatusCode.InternalServerError, "EXIT_NONZERO", "w1"), (exit.Status, exit.Code, exit.Worker));
        var refused = await cluster.InvokeAsync(key, "component", "r");
        Assert.Equal((HttpStatusCode.InternalServerError, "FUNCTION_ERROR", "w1"), (refused.Status, refused.Code, refused.Worker));
        Assert.Contains("refused", refused.Body, StringComparison.Ordinal);

        // The tenant's input limit is the control plane's: refused before any worker is asked.
        var tooLarge = await cluster.InvokeAsync(key, "echo", new string('x', 65));
        Assert.Equal((HttpStatusCode.RequestEntityTooLarge, "PAYLOAD_TOO_LARGE"), (tooLarge.Status, tooLarge.Code));

        var (grpc, error) = await ApiCalls.GrpcInvokeAsync(cluster.Hosts.Invocations, key, new InvokeRequest { Function = "echo", Input = ByteString.CopyFromUtf8("over grpc") });
        Assert.Null(error);
        Assert.Equal(("over grpc", "w1"), (grpc!.Output.ToStringUtf8(), grpc.Worker));

        // Six invocations reached the worker; over its gRPC listener only when the shortcut is off.
        Assert.Equal(inProcess ? 0 : 6, cluster.GrpcInvokes["w1"].Count);
        Assert.Same(cluster.Shared, cluster.Hosts.ControlPlane.Services.GetRequiredService<InProcessWorkers>());
        Assert.NotNull(cluster.Shared.Find("w1"));
        await Eventually.WaitForAsync(() => meter.Outcomes.Values.Sum() == 6, TestTimeouts.Default, "the worker's six invocations counted");
        Assert.Equal(
            new Dictionary<string, long> { ["exit_nonzero"] = 1, ["function_error"] = 1, ["ok"] = 2, ["timeout"] = 1, ["trap"] = 1 },
            meter.Outcomes);
    }

    [Fact]
    public async Task Invoke_InProcessWorkersSaturated_FailsOverThenOverloaded()
    {
        await using var cluster = await SharedProcessCluster.StartAsync(postgres, true, ["w1", "w2"], "--Platform:MaxConcurrentInvocations=1", "--Platform:QueueTimeout=00:00:00");
        var (_, key) = await ApiCalls.CreateTenantAsync(cluster.Hosts.Admin, Quotas);
        var spin = await cluster.DeployAsync(key, "spin", LimitsTests.Spin, LongSpinConfig);
        await cluster.DeployAsync(key, "echo", GuestWat.Echo);
        var ranked = RendezvousPlacement.Rank(spin["sha256"]!.GetValue<string>(), cluster.Hosts.Registry.Live).Select(w => w.Id).ToList();
        using var first = new WorkerMeter(cluster.Worker(ranked[0]).Services);

        var holding = cluster.InvokeAsync(key, "spin");
        await cluster.WaitUntilRunningAsync(ranked[0], 1);
        // The first-ranked worker refuses (OVERLOADED, nothing ran): the call runs on the other one.
        var failedOver = cluster.InvokeAsync(key, "spin");
        await cluster.WaitUntilRunningAsync(ranked[1], 1);
        Assert.Equal(1, first.Outcomes.GetValueOrDefault("overloaded"));

        // Both saturated, no other candidate: OVERLOADED for the caller.
        var shed = await cluster.InvokeAsync(key, "echo", "x");
        Assert.Equal((HttpStatusCode.ServiceUnavailable, "OVERLOADED"), (shed.Status, shed.Code));

        var held = await holding.Within(TimeSpan.FromSeconds(60));
        var moved = await failedOver.Within(TimeSpan.FromSeconds(60));
        Assert.Equal(("TIMEOUT", ranked[0]), (held.Code, held.Worker));
        Assert.Equal(("TIMEOUT", ranked[1]), (moved.Code, moved.Worker));
        Assert.Equal("OK", (await cluster.InvokeAsync(key, "echo", "x")).Code);
        Assert.All(cluster.GrpcInvokes.Values, counter => Assert.Equal(0, counter.Count));
    }

    [Fact]
    public async Task Invoke_CallerDisconnects_InProcessInvocationStopsWaitingOnWorker()
    {
        // The spin outlasts the worker's queue timeout: a queued call that was not cancelled would
        // leave the queue only as an OVERLOADED refusal, while the spin still holds the only slot.
        await using var cluster = await SharedProcessCluster.StartAsync(postgres, true, ["w1"], "--Platform:MaxConcurrentInvocations=1", "--Platform:QueueTimeout=00:00:10");
        using var meter = new WorkerMeter(cluster.Worker("w1").Services);
        var (_, key) = await ApiCalls.CreateTenantAsync(cluster.Hosts.Admin, new { maxFuel = 1_000_000_000_000L, maxTimeoutMs = 20000 });
        await cluster.DeployAsync(key, "spin", LimitsTests.Spin, """{"fuel":1000000000000,"timeoutMs":20000}""");
        await cluster.DeployAsync(key, "echo", GuestWat.Echo);
        Assert.Equal("OK", (await cluster.InvokeAsync(key, "echo", "warm")).Code);

        var holding = cluster.InvokeAsync(key, "spin");
        await cluster.WaitUntilRunningAsync("w1", 1);
        using var disconnect = new CancellationTokenSource();
        var waiting = cluster.InvokeAsync(key, "echo", "queued", disconnect.Token);
        await Eventually.WaitForAsync(() => meter.Queued() == 1, TestTimeouts.Default, "the second call queued on w1");

        await disconnect.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        await Eventually.WaitForAsync(
            async () => meter.Queued() == 0 && (await cluster.Worker("w1").StatusAsync()).InFlight == 1,
            TestTimeouts.Default,
            "the disconnected call to leave w1's queue while the spin runs");
        Assert.Equal(new Dictionary<string, long> { ["ok"] = 1 }, meter.Outcomes);

        Assert.Equal("TIMEOUT", (await holding.Within(TimeSpan.FromSeconds(60))).Code);
        Assert.Equal(new Dictionary<string, long> { ["ok"] = 1, ["timeout"] = 1 }, meter.Outcomes);
        Assert.Equal(0, cluster.GrpcInvokes["w1"].Count);
    }

    [Fact]
    public async Task Invoke_StoppedInProcessWorker_NotCalledOtherRuns()
    {
        await using var cluster = await SharedProcessCluster.StartAsync(postgres, true, ["w1", "w2"]);
        var (_, key) = await ApiCalls.CreateTenantAsync(cluster.Hosts.Admin, Quotas);
        var echo = await cluster.DeployAsync(key, "echo", GuestWat.Echo);
        var ranked = RendezvousPlacement.Rank(echo["sha256"]!.GetValue<string>(), cluster.Hosts.Registry.Live).Select(w => w.Id).ToList();
        Assert.Equal(ranked[0], (await cluster.InvokeAsync(key, "echo", "a")).Worker);

        await cluster.Hosts.StopWorkerAsync(cluster.Worker(ranked[0]));
        Assert.Null(cluster.Shared.Find(ranked[0]));
        Assert.NotNull(cluster.Shared.Find(ranked[1]));

        var after = await cluster.InvokeAsync(key, "echo", "b");
        Assert.Equal(new SharedProcessCluster.Invoked(HttpStatusCode.OK, "OK", "b", ranked[1]), after);
        Assert.Equal(0, cluster.GrpcInvokes[ranked[1]].Count);
    }

    [Fact]
    public async Task RoleAll_OneHost_InvokesItsOwnWorkerInProcess()
    {
        await using var database = await postgres.CreateDatabaseAsync().Within();
        var root = Path.Combine(Path.GetTempPath(), "platform-role-all", Guid.NewGuid().ToString("N")[..12]);
        var counter = new SharedProcessCluster.GrpcInvokeCounter();
        // The worker registers over the cluster listener like any other: it needs that listener's port up front.
        var clusterUrl = $"http://127.0.0.1:{FreePort.Next()}";
        var host = await PlatformTestHost.StartAsync(
            database.ConnectionString,
            new Dictionary<string, string?>
            {
                ["role"] = "all",
                ["Platform:WorkerUrl"] = "http://127.0.0.1:0",
                ["Platform:ClusterUrl"] = clusterUrl,
                ["Platform:ControlPlaneUrl"] = clusterUrl,
                ["Platform:RegistrationRetryDelay"] = "00:00:00.050",
                ["Platform:WorkerId"] = "all-1",
                ["Platform:CacheDir"] = Path.Combine(root, "worker"),
                ["Platform:Artifacts:SigningKeyPath"] = Path.Combine(root, "signing.pem"),
                ["Platform:Cluster:HeartbeatInterval"] = "00:00:00.200",
            },
            builder => builder.Services.AddGrpc(o => o.Interceptors.Add<SharedProcessCluster.CountingInterceptor>(counter)));
        try
        {
            var registry = host.Services.GetRequiredService<ILiveWorkers>();
            await Eventually.WaitForAsync(
                async () =>
                {
                    await registry.RefreshAsync(CancellationToken.None).Within();
                    return registry.Live.Any(w => w.Id == "all-1");
                },
                InProcessCluster.LiveWait,
                "the worker of the --role all host to be live");
            using var admin = host.CreateClient(host.AdminKey);
            var (_, key) = await ApiCalls.CreateTenantAsync(admin, Quotas);
            using var client = host.CreateClient(key);
            await ApiCalls.DeployAsync(client, "echo", new StringContent(GuestWat.Echo, Encoding.UTF8, "text/plain"));

            using var response = await ApiCalls.InvokeAsync(client, "echo", Encoding.UTF8.GetBytes("all"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("all", await response.Content.ReadAsStringAsync().Within());
            Assert.Equal("all-1", response.Headers.GetValues("Platform-Worker").Single());
            Assert.NotNull(host.Services.GetRequiredService<InProcessWorkers>().Find("all-1"));
            Assert.Equal(0, counter.Count);
        }
        finally
        {
            await host.DisposeAsync();
            try
            {
                Directory.Delete(root, recursive: true);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Temp folder; left behind.
            }
        }
    }
}
