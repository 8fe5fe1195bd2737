using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Grpc.Core;
using Grpc.Net.Client;
using Platform.Contracts.V1;

namespace Platform.Testing.Processes;

public sealed record WorkerRow(string Id, string Url, bool Live, DateTimeOffset RegisteredAt, DateTimeOffset LastHeartbeat);

public sealed record Deployed(string Name, int Version, string Sha256);

/// <summary>What one upload got: an HTTP status (0: no answer, <see cref="Error"/> says why), the problem code, the version when acknowledged.</summary>
public sealed record UploadAttempt(int Status, string? Code, Deployed? Deployed, string? Error);

public readonly record struct RestInvocation(HttpStatusCode Status, string Body, string? Worker, double? DurationMs, string? Code);

/// <summary>The platform's public API as the benchmark uses it: REST (HttpClient, keep-alive) and gRPC (one h2c channel).</summary>
public sealed class PlatformApi : IDisposable
{
    private readonly HttpClient _http;

    /// <param name="requestTimeout">Each HTTP request's bound; 30 s by default.</param>
    public PlatformApi(Uri rest, Uri grpc, string adminKey, string tenantKey, TimeSpan? requestTimeout = null)
    {
        Rest = rest;
        Grpc = grpc;
        AdminKey = adminKey;
        TenantKey = tenantKey;
        _http = new HttpClient(new SocketsHttpHandler { PooledConnectionIdleTimeout = TimeSpan.FromMinutes(10), MaxConnectionsPerServer = 256 })
        {
            BaseAddress = rest,
            Timeout = requestTimeout ?? TimeSpan.FromSeconds(30),
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
        UseTenantKey(key);
        return key;
    }

    /// <summary>
    /// Lifts a tenant's rate, concurrency and stored-state quotas (admin) so that the benchmark
    /// measures the platform, not the default quotas (100 invocations/s, burst 200, 16 at once;
    /// 20 management calls/s, burst 100; 100 versions per function).
    /// </summary>
    public Task LiftRateLimitsAsync(string tenant) =>
        SetQuotasAsync(tenant, new
        {
            invocationsPerSecond = 10_000_000, burst = 10_000_000, maxConcurrency = 100_000,
            managementCallsPerSecond = 1_000_000, managementBurst = 1_000_000, maxVersionsPerFunction = 100_000,
        });

    /// <summary>Replaces a tenant's quota overrides (admin): an anonymous object with the JSON names, e.g. <c>new { burst = 10 }</c>.</summary>
    public async Task SetQuotasAsync(string tenant, object quotas)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, $"/v1/tenants/{tenant}/quotas") { Content = JsonContent.Create(quotas) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
        using var response = await _http.SendAsync(request);
        await EnsureAsync(response, $"set the quotas of {tenant}");
    }

    /// <summary>Uses another tenant's key from now on.</summary>
    public void UseTenantKey(string key)
    {
        TenantKey = key;
        TenantHeaders = new Metadata { { "authorization", $"Bearer {key}" } };
    }

    /// <summary>Deploys WAT text with a configuration (multipart), e.g. <c>new { timeoutMs = 2000 }</c>.</summary>
    public async Task<Deployed> DeployAsync(string name, string wat, object config)
    {
        var attempt = await TryDeployAsync(name, wat, config, CancellationToken.None);
        return attempt.Deployed ?? throw new InvalidOperationException($"could not deploy {name}: {attempt.Status} {attempt.Code} {attempt.Error}");
    }

    /// <summary>
    /// One upload that never throws for an answer or a transport failure: the outcome says which
    /// (<see cref="UploadAttempt.Deployed"/> only when the platform acknowledged it).
    /// </summary>
    public async Task<UploadAttempt> TryDeployAsync(string name, string wat, object? config, CancellationToken cancellationToken)
    {
        using var content = new MultipartFormDataContent();
        var module = new StringContent(wat, Encoding.UTF8);
        module.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
        content.Add(module, "module", "module.wat");
        if (config is not null) content.Add(JsonContent.Create(config), "config");
        using var request = new HttpRequestMessage(HttpMethod.Put, $"/v1/functions/{name}") { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", TenantKey);
        try
        {
            using var response = await _http.SendAsync(request, cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            if (!response.IsSuccessStatusCode) return new UploadAttempt((int)response.StatusCode, ProblemCode(body), null, null);
            var json = JsonNode.Parse(body)!;
            return new UploadAttempt((int)response.StatusCode, null, new Deployed(name, json["version"]!.GetValue<int>(), json["sha256"]!.GetValue<string>()), null);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
        {
            return new UploadAttempt(0, null, null, ex.GetType().Name);
        }
    }

    /// <summary>Every stored version of a function: number and module SHA-256 (all pages).</summary>
    public async Task<IReadOnlyList<(int Version, string Sha256)>> VersionsAsync(string name)
    {
        var versions = new List<(int, string)>();
        string? cursor = null;
        do
        {
            var query = cursor is null ? "limit=200" : $"limit=200&cursor={Uri.EscapeDataString(cursor)}";
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/functions/{name}?{query}");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", TenantKey);
            using var response = await _http.SendAsync(request);
            await EnsureAsync(response, $"read {name}");
            var json = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
            versions.AddRange(json["versions"]!.AsArray().Select(v => (v!["version"]!.GetValue<int>(), v["sha256"]!.GetValue<string>())));
            cursor = json["nextCursor"]?.GetValue<string>();
        }
        while (cursor is not null);

        return versions;
    }

    /// <summary>The tenant's usage totals (<c>GET /v1/usage</c>, the last 24 hours): invocations by outcome.</summary>
    public async Task<IReadOnlyDictionary<string, long>> UsageOutcomesAsync()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/usage");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", TenantKey);
        using var response = await _http.SendAsync(request);
        await EnsureAsync(response, "read usage");
        var json = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        return json["totals"]!["outcomes"]!.AsObject().ToDictionary(o => o.Key, o => o.Value!.GetValue<long>());
    }

    /// <summary>One binary upload that never throws for an answer: a refusal carries its code and the problem's detail in <see cref="UploadAttempt.Error"/>.</summary>
    public async Task<UploadAttempt> TryDeployAsync(string name, byte[] module, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, $"/v1/functions/{name}") { Content = new ByteArrayContent(module) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/wasm");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", TenantKey);
        try
        {
            using var response = await _http.SendAsync(request, cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            if (!response.IsSuccessStatusCode) return new UploadAttempt((int)response.StatusCode, ProblemCode(body), null, ProblemMember(body, "detail"));
            var json = JsonNode.Parse(body)!;
            return new UploadAttempt((int)response.StatusCode, null, new Deployed(name, json["version"]!.GetValue<int>(), json["sha256"]!.GetValue<string>()), null);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
        {
            return new UploadAttempt(0, null, null, ex.GetType().Name);
        }
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
        var code = response.StatusCode == HttpStatusCode.OK ? null : ProblemCode(body);
        return new RestInvocation(response.StatusCode, body, worker, duration, code);
    }

    /// <summary>The <c>code</c> of a problem document, or null.</summary>
    private static string? ProblemCode(string body) => ProblemMember(body, "code");

    private static string? ProblemMember(string body, string member)
    {
        if (!body.StartsWith('{')) return null;
        try
        {
            return JsonNode.Parse(body)?[member]?.GetValue<string>();
        }
        catch (System.Text.Json.JsonException)
        {
            return null; // Not a problem document.
        }
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
