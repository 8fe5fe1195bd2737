using System.Net.Http.Json;
using System.Text;
using Platform.Testing;
using Platform.Testing.Hosts;

namespace Platform.Cli.Tests.Live;

/// <summary>One PostgreSQL server for the live tests; every platform gets its own database.</summary>
[CollectionDefinition(Name)]
public sealed class LiveCollection : ICollectionFixture<PostgresFixture>
{
    public const string Name = "live platform";
}

/// <summary>
/// A real control plane and one worker on loopback, with a tenant, for the commands that read
/// what production did (history, replay). History is flushed every 200 ms; a test waits until
/// the records it needs are listed.
/// </summary>
internal sealed class LivePlatform : IAsyncDisposable
{
    private readonly InProcessCluster _hosts;

    private LivePlatform(InProcessCluster hosts, string tenantKey)
    {
        _hosts = hosts;
        TenantKey = tenantKey;
    }

    public string TenantKey { get; }

    public HttpClient Admin => _hosts.Admin;

    public PlatformTestHost ControlPlane => _hosts.ControlPlane;

    public static async Task<LivePlatform> StartAsync(PostgresFixture postgres)
    {
        var hosts = await InProcessCluster.StartAsync(postgres, "platformctl-live", new Dictionary<string, string?>
        {
            ["Platform:Cluster:WorkerTtl"] = "00:00:06",
            ["Platform:History:FlushInterval"] = "00:00:00.200",
        }, null);
        try
        {
            await hosts.StartWorkerAsync("w1");
            await hosts.WaitUntilLiveAsync("w1");
            var (_, key) = await ApiCalls.CreateTenantAsync(hosts.Admin);
            return new LivePlatform(hosts, key);
        }
        catch
        {
            await hosts.DisposeAsync();
            throw;
        }
    }

    /// <summary>The environment of a platformctl run against this platform with the tenant's key.</summary>
    public Dictionary<string, string?> Environment(string? key = null) => new()
    {
        ["PLATFORM_URL"] = _hosts.ControlPlane.RestUri.ToString().TrimEnd('/'),
        ["PLATFORM_API_KEY"] = key ?? TenantKey,
    };

    public Task<PlatformCtlProcess.Result> CtlAsync(params string[] args) => PlatformCtlProcess.RunAsync([], Environment(), args);

    public async Task DeployAsync(string name, string wat, string? configJson = null)
    {
        using var client = _hosts.ControlPlane.CreateClient(TenantKey);
        HttpContent module = new StringContent(wat, Encoding.UTF8, "text/plain");
        using var content = configJson is null ? module : ApiCalls.ModuleForm(module, "module.wat", configJson);
        await ApiCalls.DeployAsync(client, name, content);
    }

    /// <summary>Invokes over REST; returns the invocation id, the outcome and the fuel its answer carries.</summary>
    public async Task<(string Id, string Outcome, long Fuel)> InvokeAsync(string function, string input = "")
    {
        using var client = _hosts.ControlPlane.CreateClient(TenantKey);
        using var response = await ApiCalls.InvokeAsync(client, function, Encoding.UTF8.GetBytes(input));
        return (
            response.Headers.GetValues("Platform-Invocation-Id").Single(),
            response.Headers.GetValues("Platform-Outcome").Single(),
            long.Parse(response.Headers.GetValues("Platform-Fuel-Consumed").Single(), System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>Waits until the history lists every one of <paramref name="ids"/> (the flusher writes every 200 ms).</summary>
    public async Task WaitForHistoryAsync(params string[] ids)
    {
        using var client = _hosts.ControlPlane.CreateClient(TenantKey);
        var deadline = TestTimeouts.Deadline();
        while (true)
        {
            using var response = await client.GetAsync("/v1/invocations?limit=200").Within();
            var page = await ApiCalls.ReadJsonAsync(response, System.Net.HttpStatusCode.OK);
            var listed = page["invocations"]!.AsArray().Select(r => r!["id"]!.GetValue<string>()).ToHashSet();
            if (ids.All(listed.Contains)) return;
            Assert.True(DateTime.UtcNow < deadline, $"the history never listed {string.Join(", ", ids)}");
            await Task.Delay(50);
        }
    }

    public ValueTask DisposeAsync() => _hosts.DisposeAsync();
}
