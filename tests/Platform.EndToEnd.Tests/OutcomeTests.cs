using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Google.Rpc;
using Grpc.Core;

namespace Platform.EndToEnd.Tests;

/// <summary>
/// Every outcome code through REST and gRPC, on the shared cluster, with the HTTP and gRPC
/// status of the README's table (Invocation/OutcomeStatus.cs, Errors/ErrorCodes.cs).
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class OutcomeTests(EndToEndEnvironment environment)
{
    private const long SmallFuel = 10_000_000;
    private const int MaxInputBytes = 1024;
    private const int MaxOutputBytes = 4096;

    private sealed record Setup(TestCluster Cluster, string Tenant, string Key);

    /// <summary>One tenant with small input/output quotas and the guests deployed once for the whole class.</summary>
    private async Task<Setup> SetupAsync()
    {
        var cluster = await environment.SharedClusterAsync();
        return await cluster.OnceAsync("outcomes", async () =>
        {
            var (tenant, key) = await cluster.CreateTenantAsync(new { maxFuel = 1_000_000_000_000, maxInputBytes = MaxInputBytes, maxOutputBytes = MaxOutputBytes });
            await Task.WhenAll(
                cluster.DeployGuestAsync(key, "echo", "echo"),
                cluster.DeployGuestAsync(key, "hello", "hello"),
                cluster.DeployGuestAsync(key, "fuel", "spin", $$"""{"fuel": {{SmallFuel}}}"""),
                cluster.DeployGuestAsync(key, "slow", "spin", """{"fuel": 1000000000000, "timeoutMs": 300}"""),
                cluster.DeployGuestAsync(key, "bomb", "membomb", """{"memoryMb": 16}"""),
                cluster.DeployGuestAsync(key, "recurse", "recurse"),
                cluster.DeployGuestAsync(key, "exit7", "exit7"),
                cluster.DeployGuestAsync(key, "flood", "flood"));
            return new Setup(cluster, tenant, key);
        });
    }

    [Fact]
    public async Task Invoke_Ok_AnswersOutputAndRunFacts()
    {
        var (cluster, _, key) = await SetupAsync();

        var echo = await cluster.InvokeAsync(key, "echo", "ping");
        echo.AssertOk("ping", version: 1);
        Assert.True(long.Parse(echo.Header("Platform-Fuel-Consumed")!, CultureInfo.InvariantCulture) > 0);
        var hello = await cluster.InvokeAsync(key, "hello");
        hello.AssertOk("Hello from Platform! (function hello)\n", version: 1);

        var (response, error) = await cluster.GrpcInvokeAsync(key, "echo", input: "over grpc");
        Assert.Null(error);
        Assert.Equal("over grpc", response!.Output.ToStringUtf8());
        Assert.Equal(1, response.Version);
        Assert.Matches("^w[0-9]$", response.Worker);
        Assert.Matches("^[0-9a-f]{32}$", response.InvocationId);
        Assert.NotEqual(echo.Header("Platform-Invocation-Id"), response.InvocationId);
        Assert.True(response.FuelConsumed > 0);
        Assert.True(response.DurationUs > 0);
        Assert.Equal("", response.Logs.ToStringUtf8());
    }

    [Fact]
    public async Task Invoke_SmallFuel_OutOfFuel()
    {
        var (cluster, _, key) = await SetupAsync();

        var rest = await cluster.InvokeAsync(key, "fuel");
        var problem = rest.AssertOutcome((HttpStatusCode)422, "OUT_OF_FUEL");
        Assert.Equal(SmallFuel, problem["fuelConsumed"]!.GetValue<long>());

        var (_, error) = await cluster.GrpcInvokeAsync(key, "fuel");
        var info = AssertGrpcOutcome(error, StatusCode.ResourceExhausted, "OUT_OF_FUEL");
        Assert.Equal(SmallFuel.ToString(CultureInfo.InvariantCulture), info.Metadata["fuel_consumed"]);
    }

    [Fact]
    public async Task Invoke_SpinWithAmpleFuelAndShortTimeout_Timeout()
    {
        var (cluster, _, key) = await SetupAsync();

        var watch = Stopwatch.StartNew();
        var rest = await cluster.InvokeAsync(key, "slow");
        var elapsed = watch.Elapsed;
        var problem = rest.AssertOutcome(HttpStatusCode.GatewayTimeout, "TIMEOUT");
        Assert.InRange(problem["durationMs"]!.GetValue<double>(), 290, 300 + 1_500);
        Assert.True(elapsed < TimeSpan.FromSeconds(4), $"the TIMEOUT answer took {elapsed}");

        var (_, error) = await cluster.GrpcInvokeAsync(key, "slow");
        var info = AssertGrpcOutcome(error, StatusCode.DeadlineExceeded, "TIMEOUT");
        Assert.InRange(long.Parse(info.Metadata["duration_us"], CultureInfo.InvariantCulture), 290_000, 1_800_000);
    }

    [Fact]
    public async Task Invoke_MemoryBombWithSmallMemory_MemoryLimit()
    {
        var (cluster, _, key) = await SetupAsync();

        var rest = await cluster.InvokeAsync(key, "bomb");
        rest.AssertOutcome((HttpStatusCode)422, "MEMORY_LIMIT");

        var (_, error) = await cluster.GrpcInvokeAsync(key, "bomb");
        AssertGrpcOutcome(error, StatusCode.ResourceExhausted, "MEMORY_LIMIT");
    }

    [Fact]
    public async Task Invoke_UnboundedRecursion_TrapWithStackOverflow()
    {
        var (cluster, _, key) = await SetupAsync();

        var rest = await cluster.InvokeAsync(key, "recurse");
        var problem = rest.AssertOutcome(HttpStatusCode.InternalServerError, "TRAP");
        Assert.Contains("stack overflow", problem["detail"]!.GetValue<string>(), StringComparison.OrdinalIgnoreCase);

        var (_, error) = await cluster.GrpcInvokeAsync(key, "recurse");
        AssertGrpcOutcome(error, StatusCode.Aborted, "TRAP");
        Assert.Contains("stack overflow", error!.Status.Detail, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Invoke_Exit7_ExitNonzeroWithExitCodeAndLogs()
    {
        var (cluster, _, key) = await SetupAsync();

        var rest = await cluster.InvokeAsync(key, "exit7");
        var problem = rest.AssertOutcome(HttpStatusCode.InternalServerError, "EXIT_NONZERO");
        Assert.Equal(7, problem["exitCode"]!.GetValue<int>());
        Assert.Equal("bye\n", problem["logs"]!.GetValue<string>());
        Assert.False(problem["logsTruncated"]!.GetValue<bool>());
        Assert.Equal("exit7", problem["function"]!.GetValue<string>());

        var (_, error) = await cluster.GrpcInvokeAsync(key, "exit7");
        var info = AssertGrpcOutcome(error, StatusCode.Aborted, "EXIT_NONZERO");
        Assert.Equal("7", info.Metadata["exit_code"]);
        Assert.Equal("bye\n", info.Metadata["logs"]);
    }

    [Fact]
    public async Task Invoke_FloodOverTenantOutputQuota_OutputLimit()
    {
        var (cluster, _, key) = await SetupAsync();

        var rest = await cluster.InvokeAsync(key, "flood");
        var problem = rest.AssertOutcome((HttpStatusCode)422, "OUTPUT_LIMIT");
        Assert.Contains("more output than its limit", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);

        var (_, error) = await cluster.GrpcInvokeAsync(key, "flood");
        AssertGrpcOutcome(error, StatusCode.ResourceExhausted, "OUTPUT_LIMIT");
    }

    [Fact]
    public async Task Invoke_InputOverTenantQuota_PayloadTooLarge()
    {
        var (cluster, _, key) = await SetupAsync();
        var atLimit = new string('a', MaxInputBytes);
        var over = new string('b', MaxInputBytes + 1);

        (await cluster.InvokeAsync(key, "echo", atLimit)).AssertOk(atLimit);
        var rest = await cluster.InvokeAsync(key, "echo", over);
        rest.AssertPlatformError(HttpStatusCode.RequestEntityTooLarge, "PAYLOAD_TOO_LARGE");

        var (ok, _) = await cluster.GrpcInvokeAsync(key, "echo", input: atLimit);
        Assert.Equal(atLimit, ok?.Output.ToStringUtf8());
        var (_, error) = await cluster.GrpcInvokeAsync(key, "echo", input: over);
        RpcAssert.Failed(error, StatusCode.ResourceExhausted, "PAYLOAD_TOO_LARGE");
    }

    [Fact]
    public async Task Invoke_UnknownFunction_NotFound()
    {
        var (cluster, _, key) = await SetupAsync();

        var rest = await cluster.InvokeAsync(key, "nope");
        var problem = rest.AssertPlatformError(HttpStatusCode.NotFound, "NOT_FOUND");
        Assert.Contains("nope", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);

        var (_, error) = await cluster.GrpcInvokeAsync(key, "nope");
        RpcAssert.Failed(error, StatusCode.NotFound, "NOT_FOUND");
    }

    [Fact]
    public async Task Invoke_WithoutOrWithWrongKey_Unauthenticated()
    {
        var (cluster, _, key) = await SetupAsync();
        var wrong = key[..^4] + (key.EndsWith("AAAA", StringComparison.Ordinal) ? "BBBB" : "AAAA");

        foreach (var presented in new[] { null, wrong, "not-a-platform-key" })
        {
            var rest = await cluster.InvokeAsync(presented, "echo", "ping");
            rest.AssertPlatformError(HttpStatusCode.Unauthorized, "UNAUTHENTICATED");
            Assert.Equal("Bearer", rest.Header("WWW-Authenticate"));

            var (_, error) = await cluster.GrpcInvokeAsync(presented, "echo", input: "ping");
            RpcAssert.Failed(error, StatusCode.Unauthenticated, "UNAUTHENTICATED");
        }
    }

    [Fact]
    public async Task Invoke_WithAdminKey_Forbidden()
    {
        var (cluster, _, _) = await SetupAsync();
        var admin = cluster.ControlPlane.AdminKey;

        var rest = await cluster.InvokeAsync(admin, "echo", "ping");
        rest.AssertPlatformError(HttpStatusCode.Forbidden, "FORBIDDEN");

        var (_, error) = await cluster.GrpcInvokeAsync(admin, "echo", input: "ping");
        RpcAssert.Failed(error, StatusCode.PermissionDenied, "FORBIDDEN");
    }

    [Fact]
    public async Task Invoke_NoLiveWorker_UnavailableFast()
    {
        await using var database = await environment.Postgres.CreateDatabaseAsync().Within();
        await using var controlPlane = await PlatformTestHost.StartAsync(database.ConnectionString).Within(TimeSpan.FromSeconds(60));
        using var admin = controlPlane.CreateClient(controlPlane.AdminKey);
        using var created = await admin.PostAsync("/v1/tenants", new StringContent("""{"name":"lonely"}""", Encoding.UTF8, "application/json")).Within();
        var key = (await ApiCalls.ReadJsonAsync(created, HttpStatusCode.Created))["apiKey"]!.GetValue<string>();
        using var client = controlPlane.CreateClient(key);
        using (var deployed = await client.PutAsync("/v1/functions/hello", new StringContent(GuestWat.Writes("hi"), Encoding.UTF8, "text/plain")).Within())
            await ApiCalls.ReadJsonAsync(deployed, HttpStatusCode.Created);

        var watch = Stopwatch.StartNew();
        var rest = await TestCluster.InvokeAsync(client, "hello", Encoding.UTF8.GetBytes("x"));
        var restElapsed = watch.Elapsed;
        rest.AssertPlatformError(HttpStatusCode.ServiceUnavailable, "UNAVAILABLE");
        Assert.True(restElapsed < TimeSpan.FromSeconds(2), $"REST UNAVAILABLE took {restElapsed}");

        var grpc = new Platform.Contracts.V1.InvocationService.InvocationServiceClient(controlPlane.Channel);
        watch.Restart();
        var error = await Assert.ThrowsAsync<RpcException>(() => grpc.InvokeAsync(new Platform.Contracts.V1.InvokeRequest { Function = "hello" }, PlatformTestHost.Bearer(key)).ResponseAsync.Within());
        var grpcElapsed = watch.Elapsed;
        RpcAssert.Failed(error, StatusCode.Unavailable, "UNAVAILABLE");
        Assert.True(grpcElapsed < TimeSpan.FromSeconds(2), $"gRPC UNAVAILABLE took {grpcElapsed}");
    }

    /// <summary>A function outcome over gRPC: the status code and the run facts in the ErrorInfo metadata.</summary>
    private static ErrorInfo AssertGrpcOutcome(RpcException? error, StatusCode status, string code)
    {
        var info = RpcAssert.Failed(error, status, code);
        Assert.Matches("^[0-9a-f]{32}$", info.Metadata["invocation_id"]);
        Assert.Matches("^w[0-9]$", info.Metadata["worker"]);
        Assert.Equal("1", info.Metadata["version"]);
        Assert.True(long.Parse(info.Metadata["fuel_consumed"], CultureInfo.InvariantCulture) >= 0);
        Assert.True(long.Parse(info.Metadata["duration_us"], CultureInfo.InvariantCulture) >= 0);
        return info;
    }
}
