using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Platform.ControlPlane.Cluster;

namespace Platform.ControlPlane.Tests;

/// <summary>
/// A control plane and one worker, each its own host on loopback (the executable's composition
/// root), for tests of the invoke path: limits, caching, breakers, usage.
/// </summary>
internal sealed class InvokeCluster : IAsyncDisposable
{
    private readonly InProcessCluster _hosts;

    private InvokeCluster(InProcessCluster hosts) => _hosts = hosts;

    public PlatformTestHost ControlPlane => _hosts.ControlPlane;

    public HttpClient Admin => _hosts.Admin;

    public ILiveWorkers Registry => _hosts.Registry;

    /// <summary>The one worker's cache folder.</summary>
    public string WorkerCacheDir => _hosts.Workers.Single().CacheDir;

    /// <summary>
    /// Waits until the worker runs <paramref name="count"/> invocations: each of them passed the
    /// control plane's admission and holds its tenant's concurrency slot until it ends.
    /// </summary>
    public Task WaitUntilRunningAsync(int count) =>
        Eventually.WaitForAsync(async () => (await _hosts.Workers.Single().StatusAsync()).InFlight == count, TestTimeouts.Default, $"{count} invocations running on the worker");

    public static async Task<InvokeCluster> StartAsync(string connectionString, IReadOnlyDictionary<string, string?>? settings = null, Action<WebApplicationBuilder>? configure = null, bool worker = true)
    {
        var defaults = new Dictionary<string, string?>
        {
            // Generous: a worker starved of CPU by spinning sandboxes and the other test projects must not drop out.
            ["Platform:Cluster:WorkerTtl"] = "00:00:06",
        };
        var hosts = await InProcessCluster.StartAsync(connectionString, "platform-cp-tests", defaults, settings, configure);
        try
        {
            if (worker)
            {
                await hosts.StartWorkerAsync("w1", arguments: ["--Platform:MaxConcurrentInvocations=16"]);
                await hosts.WaitUntilLiveAsync("w1");
            }
        }
        catch
        {
            await hosts.DisposeAsync();
            throw;
        }

        return new InvokeCluster(hosts);
    }

    public Task<(string Name, string Key)> CreateTenantAsync(object? quotas = null) => ApiCalls.CreateTenantAsync(Admin, quotas);

    public async Task SetQuotasAsync(string tenant, object quotas)
    {
        using var response = await Admin.PutAsJsonAsync($"/v1/tenants/{tenant}/quotas", quotas).Within();
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync().Within());
    }

    public async Task<JsonObject> DeployAsync(string key, string name, string wat, string? configJson = null)
    {
        using var client = ControlPlane.CreateClient(key);
        HttpContent module = new StringContent(wat, Encoding.UTF8, "text/plain");
        using var content = configJson is null ? module : ApiCalls.ModuleForm(module, "module.wat", configJson);
        return await ApiCalls.DeployAsync(client, name, content);
    }

    /// <summary>POST .../invoke; returns status, outcome/code, body text and headers.</summary>
    public async Task<Invoked> InvokeAsync(string key, string target, string input = "", TimeSpan? timeout = null)
    {
        using var client = ControlPlane.CreateClient(key);
        using var response = await ApiCalls.InvokeAsync(client, target, Encoding.UTF8.GetBytes(input), timeout);
        var body = await response.Content.ReadAsStringAsync().Within(timeout);
        var code = ApiCalls.ProblemCode(response, body);
        var outcome = response.Headers.TryGetValues("Platform-Outcome", out var values) ? values.First() : null;
        var fuel = response.Headers.TryGetValues("Platform-Fuel-Consumed", out var fuelValues) ? long.Parse(fuelValues.First(), System.Globalization.CultureInfo.InvariantCulture) : (long?)null;
        var retryAfter = response.Headers.RetryAfter?.Delta;
        var worker = response.Headers.TryGetValues("Platform-Worker", out var w) ? w.First() : null;
        return new Invoked(response.StatusCode, code ?? outcome, body, fuel, retryAfter, response.Headers.TryGetValues("Platform-Version", out var v) ? v.First() : null) { Worker = worker };
    }

    public ValueTask DisposeAsync() => _hosts.DisposeAsync();

    internal sealed record Invoked(HttpStatusCode Status, string? Code, string Body, long? Fuel, TimeSpan? RetryAfter, string? Version)
    {
        public string? Worker { get; init; }
    }
}
