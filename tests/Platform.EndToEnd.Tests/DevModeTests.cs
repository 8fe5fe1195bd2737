using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Google.Protobuf;
using Grpc.Net.Client;
using Platform.Contracts.V1;
using Platform.Testing.Processes;

namespace Platform.EndToEnd.Tests;

/// <summary>The README's first command: `Platform.Server dev`, from nothing, twice on the same data.</summary>
[CollectionDefinition(Name, DisableParallelization = false)]
public sealed class DevCollection
{
    public const string Name = "dev";
}

[Collection(DevCollection.Name)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class DevModeTests : IDisposable
{
    private static readonly string[] Arguments = ["--workers", "2", "--Platform:RestUrl=http://127.0.0.1:0", "--Platform:GrpcUrl=http://127.0.0.1:0", "--Platform:ClusterUrl=http://127.0.0.1:0", "--Platform:MetricsUrl=http://127.0.0.1:0"];
    private readonly string _dataDir;

    public DevModeTests()
    {
        // As root the private PostgreSQL runs as `postgres`: every parent of its folder must be traversable.
        var tmp = Directory.Exists("/tmp") ? "/tmp" : Path.GetTempPath();
        _dataDir = Path.Combine(tmp, $"platform-e2e-dev-{Guid.NewGuid():N}"[..30]);
        Directory.CreateDirectory(_dataDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
    }

    [Fact]
    public async Task Dev_StartsFromNothing_Serves_StopsOnSigint_AndReusesItsDataNextTime()
    {
        // First run: initdb, migrations, demo tenant, hello deployed (version 1) and invoked.
        DevFacts first;
        await using (var dev = DevProcess.Start(_dataDir, Arguments))
        {
            first = await dev.WaitForFactsAsync(TimeSpan.FromSeconds(120));
            AssertBoundUrls(first, dev.Output);
            Assert.Contains("(new)", dev.Output, StringComparison.Ordinal);
            Assert.Contains($"data       {_dataDir}\n", dev.Output, StringComparison.Ordinal);
            Assert.Contains($"These facts are in {Path.Combine(_dataDir, "dev.json")}.", dev.Output, StringComparison.Ordinal);
            Assert.True(File.Exists(dev.PostmasterPid), "the private PostgreSQL runs while dev does");

            Assert.Equal("Hello, Ada!\n", await InvokeRestAsync(first.RestUrl, first.DemoApiKey, "Ada"));
            Assert.Equal("Hello, Grace!\n", await InvokeGrpcAsync(first.GrpcUrl, first.DemoApiKey, "Grace"));
            await AssertApiServesHttpAsync(first, dev.Output);
            var hello = await GetJsonAsync(first.RestUrl, first.DemoApiKey, "/v1/functions/hello");
            Assert.Equal(1, hello["latestVersion"]!.GetValue<int>());
            var workers = await GetJsonAsync(first.RestUrl, first.AdminKey, "/v1/workers");
            Assert.Equal(["dev-worker-1", "dev-worker-2"], workers["workers"]!.AsArray().Select(w => w!["id"]!.GetValue<string>()).Order());

            await StopAsync(dev);
        }

        // Second run on the same data: same secrets, same tenant and function (hello is redeployed as version 2).
        Assert.True(File.Exists(Path.Combine(_dataDir, "dev.json")));
        await using (var dev = DevProcess.Start(_dataDir, Arguments))
        {
            // The first run's facts (dead ports) are gone before this run starts PostgreSQL, seconds before it is up.
            await dev.WaitForOutputAsync("Starting PostgreSQL", TimeSpan.FromSeconds(30));
            Assert.False(File.Exists(dev.FactsPath), "dev.json of the previous run is still there while dev starts");
            var second = await dev.WaitForFactsAsync(TimeSpan.FromSeconds(90));
            AssertBoundUrls(second, dev.Output);
            Assert.Contains("(reused)", dev.Output, StringComparison.Ordinal);
            Assert.Equal(first.AdminKey, second.AdminKey);

            var hello = await GetJsonAsync(second.RestUrl, second.DemoApiKey, "/v1/functions/hello");
            Assert.Equal(2, hello["latestVersion"]!.GetValue<int>());
            Assert.Equal([1, 2], hello["versions"]!.AsArray().Select(v => v!["version"]!.GetValue<int>()));
            Assert.Equal(hello["versions"]![0]!["sha256"]!.GetValue<string>(), hello["versions"]![1]!["sha256"]!.GetValue<string>());
            var tenant = await GetJsonAsync(second.RestUrl, second.AdminKey, "/v1/tenants/demo");
            Assert.Equal("demo", tenant["name"]!.GetValue<string>());

            // The first run's key was kept with the data.
            Assert.Equal("Hello, Bob!\n", await InvokeRestAsync(second.RestUrl, first.DemoApiKey, "Bob"));
            Assert.Equal("Hello, Eve!\n", await InvokeRestAsync(second.RestUrl, second.DemoApiKey, "Eve"));

            await StopAsync(dev);
        }
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dataDir, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A temp folder; left behind.
        }
    }

    private static void AssertBoundUrls(DevFacts facts, string output)
    {
        foreach (var url in new[] { facts.RestUrl, facts.GrpcUrl, facts.ClusterUrl, facts.MetricsUrl })
        {
            var uri = new Uri(url);
            Assert.Equal("127.0.0.1", uri.Host);
            Assert.NotEqual(0, uri.Port);
            Assert.Contains(url, output, StringComparison.Ordinal);
        }

        Assert.Equal(4, new[] { facts.RestUrl, facts.GrpcUrl, facts.ClusterUrl, facts.Metrics.GetLeftPart(UriPartial.Authority) }.Distinct().Count());
        Assert.Contains("reflection on", output, StringComparison.Ordinal);
        Assert.Contains($"curl -s -X POST -H 'Authorization: Bearer {facts.DemoApiKey}' --data 'Ada' {facts.RestUrl}/v1/functions/hello/invoke", output, StringComparison.Ordinal);
        Assert.Contains(facts.AdminKey, output, StringComparison.Ordinal);
    }

    /// <summary>The C HTTP API example (built by examples/build.sh before the tests) is deployed as public api, in both URL forms.</summary>
    private static async Task AssertApiServesHttpAsync(DevFacts facts, string output)
    {
        var rest = new Uri(facts.RestUrl);
        Assert.Contains($"curl -s {facts.RestUrl}/fn/demo/api/api/health", output, StringComparison.Ordinal);
        Assert.Contains($"http://api.demo.localhost:{rest.Port}/api/compute", output, StringComparison.Ordinal);
        using var http = new HttpClient { BaseAddress = rest, Timeout = TestTimeouts.Default };
        Assert.Equal("{\"status\":\"ok\"}\n", await http.GetStringAsync("/fn/demo/api/api/health").Within());
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/compute") { Content = new StringContent("""{"n": 10}""") };
        request.Headers.Host = $"api.demo.localhost:{rest.Port}";
        using var response = await http.SendAsync(request).Within();
        Assert.Equal("{\"n\":10,\"fibonacci\":55}\n", await response.Content.ReadAsStringAsync().Within());
    }

    private static async Task StopAsync(DevProcess dev)
    {
        var watch = Stopwatch.StartNew();
        await dev.InterruptAsync();
        Assert.True(await dev.WaitForExitAsync(TimeSpan.FromSeconds(30)), $"dev still runs 30 s after SIGINT:\n{dev.Output}");
        Assert.True(dev.ExitCode == 0, $"dev exited with {dev.ExitCode}:\n{dev.Output}");
        Assert.False(File.Exists(dev.PostmasterPid), $"PostgreSQL still runs after dev stopped ({watch.Elapsed}):\n{dev.Output}");
        Assert.Contains("Stopping", dev.Output, StringComparison.Ordinal);
    }

    private static async Task<string> InvokeRestAsync(string restUrl, string key, string input)
    {
        using var http = Client(restUrl, key);
        using var response = await http.PostAsync("/v1/functions/hello/invoke", new StringContent(input, Encoding.UTF8)).Within();
        var body = await response.Content.ReadAsStringAsync().Within();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {body}");
        Assert.StartsWith("dev-worker-", response.Headers.GetValues("Platform-Worker").Single(), StringComparison.Ordinal);
        return body;
    }

    private static async Task<string> InvokeGrpcAsync(string grpcUrl, string key, string input)
    {
        using var channel = GrpcChannel.ForAddress(grpcUrl);
        var client = new InvocationService.InvocationServiceClient(channel);
        var response = await client.InvokeAsync(new InvokeRequest { Function = "hello", Input = ByteString.CopyFromUtf8(input) }, PlatformTestHost.Bearer(key)).ResponseAsync.Within();
        return response.Output.ToStringUtf8();
    }

    private static async Task<JsonObject> GetJsonAsync(string restUrl, string key, string path)
    {
        using var http = Client(restUrl, key);
        return (await http.GetFromJsonAsync<JsonObject>(path).Within())!;
    }

    private static HttpClient Client(string restUrl, string key)
    {
        var http = new HttpClient { BaseAddress = new Uri(restUrl), Timeout = TestTimeouts.Default };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return http;
    }
}
