using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Platform.Telemetry.Tests;

/// <summary>The Prometheus scrape endpoints of each role and OTLP export.</summary>
[Collection(TelemetryCollection.Name)]
public sealed class EndpointTests(TelemetryEnvironment environment)
{
    [Fact]
    public async Task ControlPlane_Metrics_PrometheusTextAfterInvocation()
    {
        var cluster = await environment.SharedClusterAsync();
        var (tenant, key) = await cluster.CreateTenantAsync();
        await cluster.DeployAsync(key, "hello", Wat.Salted(Wat.Hello));
        await cluster.DeployAsync(key, "fuel", Wat.Salted(Wat.Spin), """{"fuel": 100000}""");
        var (_, outcome, response) = await cluster.InvokeAsync(key, "hello");
        response.Dispose();
        Assert.Equal("OK", outcome);
        var (_, fuelOutcome, fuelResponse) = await cluster.InvokeAsync(key, "fuel");
        fuelResponse.Dispose();
        Assert.Equal("OUT_OF_FUEL", fuelOutcome);

        using var client = cluster.MetricsClient();
        using var scrape = await client.GetAsync("/metrics").Within();
        var text = await scrape.Content.ReadAsStringAsync().Within();
        Assert.Equal(HttpStatusCode.OK, scrape.StatusCode);
        Assert.StartsWith("text/plain", scrape.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);

        Assert.Contains("# TYPE platform_invocations_total counter", text, StringComparison.Ordinal);
        Assert.Matches($$"""(?m)^platform_invocations_total\{[^}]*function="hello",outcome="ok",tenant="{{tenant}}",trigger="invoke"\} 1$""", text);
        Assert.Matches($$"""(?m)^platform_invocation_duration_seconds_bucket\{[^}]*tenant="{{tenant}}"[^}]*,le="\+Inf"\} 1$""", text);
        Assert.Matches($$"""(?m)^platform_invocation_fuel_count\{[^}]*tenant="{{tenant}}"\} 1$""", text);
        Assert.Matches($$"""(?m)^platform_rejections_total\{[^}]*reason="out_of_fuel",tenant="{{tenant}}"\} 1$""", text);
        Assert.Matches("""(?m)^platform_workers_live\{[^}]*\} 2$""", text);
        Assert.Matches("""(?m)^platform_database_circuit_open\{[^}]*\} 0$""", text);
        Assert.Matches("""(?m)^platform_pushes_total\{[^}]*result="ok"\} \d+$""", text);
        Assert.Matches("""(?m)^target_info\{[^}]*service_name="platform-control-plane"[^}]*\} 1$""", text);
        // Instrumentation besides the platform's own.
        Assert.Contains("http_server_request_duration_seconds_bucket", text, StringComparison.Ordinal);
        Assert.Contains("dotnet_gc_collections_total", text, StringComparison.Ordinal);
        Assert.Contains("db_client_operation_duration_seconds_bucket", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/metrics")]
    [InlineData("/METRICS")]
    [InlineData("/metrics/")]
    public async Task ControlPlane_MetricsOnPublicRestListener_NotFound(string path)
    {
        var cluster = await environment.SharedClusterAsync();
        using var rest = cluster.Client(null);
        using var response = await rest.GetAsync(path).Within();
        var body = await response.Content.ReadAsStringAsync().Within();
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.DoesNotContain("platform_", body, StringComparison.Ordinal);

        // The metrics listener serves it, and nothing of the API.
        using var metrics = cluster.MetricsClient();
        using (var scrape = await metrics.GetAsync("/metrics").Within())
            Assert.Equal(HttpStatusCode.OK, scrape.StatusCode);
        using var api = await metrics.GetAsync("/v1/functions").Within();
        Assert.Equal(HttpStatusCode.NotFound, api.StatusCode);
        using var health = await metrics.GetAsync("/healthz").Within();
        Assert.Equal(HttpStatusCode.NotFound, health.StatusCode);
    }

    [Fact]
    public async Task ScrapesProbesAndHeartbeats_LeaveNoTraces()
    {
        var cluster = await environment.SharedClusterAsync();
        var since = DateTimeOffset.UtcNow;
        await cluster.ScrapeAsync();
        using var client = cluster.Client(null);
        using (var health = await client.GetAsync("/healthz").Within())
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        // Every worker heartbeats after the probe, and the control plane's registry refresh reads that back from the database.
        await Eventually.WaitForAsync(
            () => cluster.Workers.All(worker => cluster.Registry.Live.Any(live => live.Id == worker.Id && live.LastHeartbeat > since)),
            TestTimeouts.Default,
            "a heartbeat of every worker after the probe, read back by the registry refresh");

        var spans = cluster.Collector.Spans;
        Assert.DoesNotContain(spans, s => s.Source.Name == "Microsoft.AspNetCore" && s.GetTagItem("url.path") is "/metrics" or "/healthz" or "/platform.v1.ClusterService/Heartbeat");
        Assert.DoesNotContain(spans, s => s.DisplayName == "platform.v1.ClusterService/Heartbeat");
        // Database statements outside any request (the registry refresh) start no trace either.
        Assert.DoesNotContain(spans, s => s.Source.Name == "Npgsql" && s.ParentSpanId == default && s.StartTimeUtc > since.UtcDateTime);
    }

    [Fact]
    public async Task Worker_MetricsListener_ServesMetricsOverHttp1Only()
    {
        var cluster = await environment.SharedClusterAsync();
        var (_, key) = await cluster.CreateTenantAsync();
        await cluster.DeployAsync(key, "hello", Wat.Salted(Wat.Hello));
        var (_, _, response) = await cluster.InvokeAsync(key, "hello");
        response.Dispose();
        var worker = cluster.Workers.Single(w => w.Id == response.Headers.GetValues("Platform-Worker").Single());

        using var http = new HttpClient { BaseAddress = worker.MetricsUri, Timeout = TestTimeouts.Default };
        using var scrape = await http.GetAsync("/metrics").Within();
        var text = await scrape.Content.ReadAsStringAsync().Within();
        Assert.Equal(HttpStatusCode.OK, scrape.StatusCode);
        Assert.Equal(new Version(1, 1), scrape.Version);
        Assert.Matches($$"""(?m)^platform_worker_invocations_total\{[^}]*outcome="ok",worker="{{worker.Id}}"\} [1-9]\d*$""", text);
        Assert.Matches($$"""(?m)^platform_cache_lookups_total\{[^}]*result="(memory|miss)",worker="{{worker.Id}}"\} [1-9]\d*$""", text);
        Assert.Matches($$"""(?m)^platform_worker_invocations_in_flight\{[^}]*worker="{{worker.Id}}"\} 0$""", text);
        Assert.Matches($$"""(?m)^platform_worker_invocations_queued\{[^}]*worker="{{worker.Id}}"\} 0$""", text);
        // The worker loaded the control plane's signed artifact of the upload instead of compiling it.
        Assert.Matches($$"""(?m)^platform_artifact_loads_total\{[^}]*result="loaded",worker="{{worker.Id}}"\} [1-9]\d*$""", text);
        Assert.Matches($$"""(?m)^target_info\{[^}]*service_instance_id="{{worker.Id}}"[^}]*service_name="platform-worker"[^}]*\} 1$""", text);

        // Nothing else on that listener.
        using var other = await http.GetAsync("/healthz").Within();
        Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
        using var grpc = await http.PostAsync("/platform.v1.WorkerService/Status", new ByteArrayContent([])).Within();
        Assert.Equal(HttpStatusCode.NotFound, grpc.StatusCode);
    }

    [Fact]
    public async Task Otlp_EndpointConfigured_ExportsTracesMetricsAndLogsWithServiceName()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        await using var cluster = await environment.DedicatedClusterAsync(
            workers: 0,
            new Dictionary<string, string?>
            {
                ["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.Uri.ToString().TrimEnd('/'),
                ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
                ["OTEL_SERVICE_NAME"] = "otlp-test-control-plane",
                ["OTEL_BSP_SCHEDULE_DELAY"] = "100",
                ["OTEL_BLRP_SCHEDULE_DELAY"] = "100",
                ["OTEL_METRIC_EXPORT_INTERVAL"] = "200",
                ["Logging:LogLevel:Platform.ControlPlane.Invocation"] = "Debug",
            });
        var (_, key) = await cluster.CreateTenantAsync();
        await cluster.DeployAsync(key, "hello", Wat.Salted(Wat.Hello));
        var (_, outcome, response) = await cluster.InvokeAsync(key, "hello");
        response.Dispose();
        Assert.Equal("UNAVAILABLE", outcome);

        // Protobuf carries strings as plain UTF-8: the service name, span and instrument names show.
        foreach (var (path, content) in new[] { ("/v1/traces", "platform.invocation.id"), ("/v1/metrics", "platform.invocations"), ("/v1/logs", "UNAVAILABLE") })
        {
            await Eventually.WaitForAsync(
                () => receiver.Bodies(path),
                bodies => bodies.Any(b => b.Contains("otlp-test-control-plane", StringComparison.Ordinal) && b.Contains(content, StringComparison.Ordinal)),
                $"an OTLP export to {path} of the service with {content}");
        }

        Assert.Matches("""(?m)^target_info\{[^}]*service_name="otlp-test-control-plane"[^}]*\} 1$""", await cluster.ScrapeAsync());
    }

    /// <summary>An OTLP/HTTP endpoint that keeps what it is sent (protobuf strings are plain UTF-8 inside).</summary>
    private sealed class OtlpReceiver : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly ConcurrentQueue<(string Path, string Body)> _received;

        private OtlpReceiver(WebApplication app, ConcurrentQueue<(string, string)> received)
        {
            _app = app;
            _received = received;
            Uri = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
        }

        public Uri Uri { get; }

        public IReadOnlyList<string> Bodies(string path) => _received.Where(r => r.Path == path).Select(r => r.Body).ToList();

        public static async Task<OtlpReceiver> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            var app = builder.Build();
            var received = new ConcurrentQueue<(string, string)>();
            app.Run(async http =>
            {
                using var body = new MemoryStream();
                await http.Request.Body.CopyToAsync(body);
                received.Enqueue((http.Request.Path.Value ?? "", Encoding.UTF8.GetString(body.ToArray())));
                http.Response.StatusCode = StatusCodes.Status200OK;
            });
            await app.StartAsync().Within();
            return new OtlpReceiver(app, received);
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync().Within();
            await _app.DisposeAsync();
        }
    }
}
