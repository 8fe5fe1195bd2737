using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Grpc.Core;
using Grpc.Net.Client;
using Platform.Contracts.V1;

namespace Platform.Benchmarks.EndToEnd;

internal sealed record WorkerRow(string Id, string Url, bool Live, DateTimeOffset RegisteredAt, DateTimeOffset LastHeartbeat);

internal sealed record Deployed(string Name, int Version, string Sha256);

internal readonly record struct RestInvocation(HttpStatusCode Status, string Body, string? Worker, double? DurationMs, string? Code);

/// <summary>The platform's public API as the benchmark uses it: REST (HttpClient, keep-alive) and gRPC (one h2c channel).</summary>
internal sealed class PlatformApi : IDisposable
{
    private readonly HttpClient _http;

    public PlatformApi(Uri rest, Uri grpc, string adminKey, string tenantKey)
    {
        Rest = rest;
        Grpc = grpc;
        AdminKey = adminKey;
        TenantKey = tenantKey;
        _http = new HttpClient(new SocketsHttpHandler { PooledConnectionIdleTimeout = TimeSpan.FromMinutes(10), MaxConnectionsPerServer = 256 })
        {
            BaseAddress = rest,
            Timeout = TimeSpan.FromSeconds(30),
        };
        Channel = GrpcChannel.ForAddress(grpc, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler { PooledConnectionIdleTimeout = TimeSpan.FromMinutes(10), EnableMultipleHttp2Connections = true },
        });
        Invocations = new InvocationService.InvocationServiceClient(Channel);
        TenantHeaders = new Metadata { { "authorization", $"Bearer {tenantKey}" } };
    }

    public Uri Rest { get; }

    public Uri Grpc { get; }

    public string AdminKey { get; }

    public string TenantKey { get; private set; }

    public GrpcChannel Channel { get; }

    public InvocationService.InvocationServiceClient Invocations { get; }

    public Metadata TenantHeaders { get; private set; }

    public HttpClient Http => _http;

    /// <summary>Creates a tenant (admin) and makes its key the one this client uses.</summary>
    public async Task<string> CreateTenantAsync(string name)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/tenants") { Content = JsonContent.Create(new { name }) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
        using var response = await _http.SendAsync(request);
        await EnsureAsync(response, $"create tenant {name}");
        var key = (await response.Content.ReadFromJsonAsync<JsonObject>())!["apiKey"]!.GetValue<string>();
        TenantKey = key;
        TenantHeaders = new Metadata { { "authorization", $"Bearer {key}" } };
        return key;
    }

    /// <summary>
    /// Lifts a tenant's rate and concurrency quotas (admin) so that the benchmark measures the
    /// platform, not the default quota (100/s, burst 200, 16 at once).
    /// </summary>
    public async Task LiftRateLimitsAsync(string tenant)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, $"/v1/tenants/{tenant}/quotas")
        {
            Content = JsonContent.Create(new { invocationsPerSecond = 10_000_000, burst = 10_000_000, maxConcurrency = 100_000 }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
        using var response = await _http.SendAsync(request);
        await EnsureAsync(response, $"set the quotas of {tenant}");
    }

    public Task<Deployed> DeployAsync(string name, byte[] module, string contentType) => DeployAsync(name, module, contentType, CancellationToken.None);

    public async Task<Deployed> DeployAsync(string name, byte[] module, string contentType, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, $"/v1/functions/{name}") { Content = new ByteArrayContent(module) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", TenantKey);
        using var response = await _http.SendAsync(request, cancellationToken);
        await EnsureAsync(response, $"deploy {name}");
        var json = (await response.Content.ReadFromJsonAsync<JsonObject>(cancellationToken))!;
        return new Deployed(name, json["version"]!.GetValue<int>(), json["sha256"]!.GetValue<string>());
    }

    public async Task<RestInvocation> InvokeAsync(string name, string input, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/functions/{name}/invoke") { Content = new StringContent(input, Encoding.UTF8, "text/plain") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", TenantKey);
        using var response = await _http.SendAsync(request, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        var worker = response.Headers.TryGetValues("Platform-Worker", out var w) ? w.First() : null;
        double? duration = response.Headers.TryGetValues("Platform-Duration-Ms", out var d) && double.TryParse(d.First(), System.Globalization.CultureInfo.InvariantCulture, out var ms) ? ms : null;
        string? code = null;
        if (response.StatusCode != HttpStatusCode.OK && body.StartsWith('{'))
        {
            try
            {
                code = JsonNode.Parse(body)?["code"]?.GetValue<string>();
            }
            catch (System.Text.Json.JsonException)
            {
                // Not a problem document.
            }
        }

        return new RestInvocation(response.StatusCode, body, worker, duration, code);
    }

    public async Task<IReadOnlyList<WorkerRow>> WorkersAsync(CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/workers");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
        using var response = await _http.SendAsync(request, cancellationToken);
        await EnsureAsync(response, "list workers");
        var json = (await response.Content.ReadFromJsonAsync<JsonObject>(cancellationToken))!;
        return json["workers"]!.AsArray().Select(w => new WorkerRow(
            w!["id"]!.GetValue<string>(),
            w["url"]!.GetValue<string>(),
            w["live"]!.GetValue<bool>(),
            w["registeredAt"]!.GetValue<DateTimeOffset>(),
            w["lastHeartbeat"]!.GetValue<DateTimeOffset>())).ToList();
    }

    /// <summary>Polls (bounded) until the control plane answers on REST.</summary>
    public async Task WaitUntilServingAsync(TimeSpan timeout, ChildProcess? process = null)
    {
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            if (process is { HasExited: true }) throw new InvalidOperationException($"{process.Name} exited:\n{process.Tail()}");
            try
            {
                using var response = await _http.GetAsync("/healthz");
                if (response.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            if (Stopwatch.GetElapsedTime(started) > timeout) throw new TimeoutException($"the control plane did not serve within {timeout}" + (process is null ? "" : $":\n{process.Tail()}"));
            await Task.Delay(50);
        }
    }

    public void Dispose()
    {
        Channel.Dispose();
        _http.Dispose();
    }

    private static async Task EnsureAsync(HttpResponseMessage response, string what)
    {
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"could not {what}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }
}
