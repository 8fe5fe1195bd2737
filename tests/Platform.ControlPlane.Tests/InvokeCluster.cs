using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Platform.ControlPlane.Cluster;
using Platform.Server;
using Microsoft.Extensions.DependencyInjection;

namespace Platform.ControlPlane.Tests;

/// <summary>
/// A control plane and one worker, each its own host on loopback (the executable's composition
/// root), for tests of the invoke path: limits, caching, breakers, usage.
/// </summary>
internal sealed class InvokeCluster : IAsyncDisposable
{
    private readonly string _cacheDir;
    private WebApplication? _worker;

    private InvokeCluster(PlatformTestHost controlPlane, string cacheDir)
    {
        ControlPlane = controlPlane;
        _cacheDir = cacheDir;
        Admin = controlPlane.CreateClient(controlPlane.AdminKey);
    }

    public PlatformTestHost ControlPlane { get; }

    public HttpClient Admin { get; }

    public ILiveWorkers Registry => ControlPlane.Services.GetRequiredService<ILiveWorkers>();

    public static async Task<InvokeCluster> StartAsync(string connectionString, IReadOnlyDictionary<string, string?>? settings = null, Action<WebApplicationBuilder>? configure = null, bool worker = true)
    {
        var all = new Dictionary<string, string?>
        {
            ["role"] = "control-plane",
            ["Platform:Cluster:HeartbeatInterval"] = "00:00:00.200",
            // Generous: a worker starved of CPU by spinning sandboxes and the other test projects must not drop out.
            ["Platform:Cluster:WorkerTtl"] = "00:00:06",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
            all[key] = value;
        var controlPlane = await PlatformTestHost.StartAsync(connectionString, all, configure).Within(TimeSpan.FromSeconds(60));
        var cluster = new InvokeCluster(controlPlane, Path.Combine(Path.GetTempPath(), "platform-cp-tests", Guid.NewGuid().ToString("N")[..12]));
        try
        {
            if (worker)
                await cluster.StartWorkerAsync();
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }

        return cluster;
    }

    public async Task StartWorkerAsync()
    {
        _worker = PlatformServer.Build(
        [
            "--role=worker",
            $"--Platform:ClusterToken={PlatformTestHost.DefaultClusterToken}",
            $"--Platform:ControlPlaneUrl={ControlPlane.GrpcUri}",
            "--Platform:WorkerUrl=http://127.0.0.1:0",
            "--Platform:WorkerId=w1",
            // No metrics listener: its default port (8091) may be taken by anything else on the machine.
            "--Platform:MetricsUrl=none",
            $"--Platform:CacheDir={_cacheDir}",
            "--Platform:MaxConcurrentInvocations=16",
            "--Platform:HeartbeatInterval=00:00:00.200",
            "--Platform:RegistrationRetryDelay=00:00:00.050",
            "--Platform:RegistrationRetryMaxDelay=00:00:00.250",
            "--Logging:LogLevel:Default=Warning",
            "--Logging:LogLevel:Microsoft=Error",
        ]);
        await _worker.StartAsync().WaitAsync(TimeSpan.FromSeconds(60));
        var watch = Stopwatch.StartNew();
        while (true)
        {
            await Registry.RefreshAsync(CancellationToken.None).WaitAsync(TestTimeouts.Default);
            if (Registry.Live.Any(w => w.Id == "w1"))
                return;
            if (watch.Elapsed > TimeSpan.FromSeconds(20))
                throw new TimeoutException("the worker did not become live within 20 s");
            await Task.Delay(50);
        }
    }

    public static string UniqueName(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];

    public async Task<(string Name, string Key)> CreateTenantAsync(object? quotas = null)
    {
        var name = UniqueName("tenant");
        using var response = await Admin.PostAsJsonAsync("/v1/tenants", new { name, quotas }).Within();
        var text = await response.Content.ReadAsStringAsync().Within();
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        return (name, JsonNode.Parse(text)!["apiKey"]!.GetValue<string>());
    }

    public async Task SetQuotasAsync(string tenant, object quotas)
    {
        using var response = await Admin.PutAsJsonAsync($"/v1/tenants/{tenant}/quotas", quotas).Within();
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync().Within());
    }

    public async Task<JsonObject> DeployAsync(string key, string name, string wat, string? configJson = null)
    {
        using var client = ControlPlane.CreateClient(key);
        HttpContent content;
        if (configJson is null)
        {
            content = new StringContent(wat, Encoding.UTF8, "text/plain");
        }
        else
        {
            var form = new MultipartFormDataContent
            {
                { new StringContent(wat, Encoding.UTF8, "text/plain"), "module", "module.wat" },
                { new StringContent(configJson, Encoding.UTF8, "application/json"), "config" },
            };
            content = form;
        }

        using (content)
        using (var response = await client.PutAsync($"/v1/functions/{name}", content).Within())
        {
            var text = await response.Content.ReadAsStringAsync().Within();
            Assert.True(response.StatusCode == HttpStatusCode.Created, text);
            return JsonNode.Parse(text)!.AsObject();
        }
    }

    /// <summary>POST .../invoke; returns status, outcome/code, body text and headers.</summary>
    public async Task<Invoked> InvokeAsync(string key, string target, string input = "", TimeSpan? timeout = null)
    {
        using var client = ControlPlane.CreateClient(key);
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(input));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var response = await client.PostAsync($"/v1/functions/{target}/invoke", content).Within(timeout);
        var body = await response.Content.ReadAsStringAsync().Within(timeout);
        string? code = null;
        if (response.Content.Headers.ContentType?.MediaType == "application/problem+json")
            code = JsonNode.Parse(body)!["code"]?.GetValue<string>();
        var outcome = response.Headers.TryGetValues("Platform-Outcome", out var values) ? values.First() : null;
        var fuel = response.Headers.TryGetValues("Platform-Fuel-Consumed", out var fuelValues) ? long.Parse(fuelValues.First(), System.Globalization.CultureInfo.InvariantCulture) : (long?)null;
        var retryAfter = response.Headers.RetryAfter?.Delta;
        var worker = response.Headers.TryGetValues("Platform-Worker", out var w) ? w.First() : null;
        return new Invoked(response.StatusCode, code ?? outcome, body, fuel, retryAfter, response.Headers.TryGetValues("Platform-Version", out var v) ? v.First() : null) { Worker = worker };
    }

    public async ValueTask DisposeAsync()
    {
        Admin.Dispose();
        if (_worker is not null)
        {
            await _worker.StopAsync().WaitAsync(TimeSpan.FromSeconds(30));
            await _worker.DisposeAsync();
        }

        await ControlPlane.DisposeAsync();
        try
        {
            Directory.Delete(_cacheDir, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    internal sealed record Invoked(HttpStatusCode Status, string? Code, string Body, long? Fuel, TimeSpan? RetryAfter, string? Version)
    {
        public string? Worker { get; init; }
    }
}
