using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Platform.ControlPlane.Telemetry;
using Platform.Runtime;
using Platform.Worker.Telemetry;

namespace Platform.Server.Telemetry;

/// <summary>
/// OpenTelemetry for one host, wired once here: the platform's meters and activity sources,
/// ASP.NET Core, gRPC client, HttpClient, Npgsql and runtime instrumentation, a Prometheus
/// scrape endpoint (<c>/metrics</c>), OTLP export of traces, metrics and logs when
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set, and logs that carry the trace and span ids.
/// </summary>
public static class PlatformTelemetry
{
    /// <summary>The Prometheus scrape path on every process.</summary>
    public const string MetricsPath = "/metrics";

    /// <summary>Every meter a platform host listens to (all roles: a meter that does not exist costs nothing).</summary>
    public static readonly IReadOnlyList<string> Meters = [ControlPlaneTelemetry.MeterName, WorkerTelemetry.MeterName];

    /// <summary>Every activity source a platform host listens to.</summary>
    public static readonly IReadOnlyList<string> ActivitySources =
        [ControlPlaneTelemetry.ActivitySourceName, WorkerTelemetry.ActivitySourceName, RuntimeTelemetry.ActivitySourceName];

    /// <summary>
    /// Adds OpenTelemetry for <paramref name="role"/> unless <c>Platform:Telemetry:Enabled</c> is
    /// false, and the HTTP/1.1 metrics listener (<c>Platform:MetricsUrl</c>) unless it is off.
    /// Pair with <see cref="MapPlatformTelemetry"/>.
    /// </summary>
    /// <exception cref="ServerConfigurationException"><c>Platform:MetricsUrl</c> is not a valid listen URL.</exception>
    public static WebApplicationBuilder AddPlatformTelemetry(this WebApplicationBuilder builder, ServerRole role)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var settings = PlatformTelemetrySettings.From(builder.Configuration, role);
        builder.Services.AddSingleton(settings);

        // Console and OpenTelemetry logs carry the current trace and span (scopes).
        builder.Logging.Configure(o => o.ActivityTrackingOptions =
            ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId | ActivityTrackingOptions.ParentId);
        if (!settings.Enabled)
            return builder;

        var otlp = !string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => ConfigureResource(resource, builder.Configuration, role))
            .WithTracing(tracing => tracing
                .SetSampler(new ParentBasedSampler(new TraceIdRatioBasedSampler(settings.TraceSampleRatio)))
                .AddSource([.. ActivitySources])
                .AddAspNetCoreInstrumentation(o => o.Filter = http => !IsRoutine(http.Request.Path))
                .AddGrpcClientInstrumentation(o =>
                {
                    // The gRPC client span stands for the call; no HttpClient span beneath it.
                    o.SuppressDownstreamInstrumentation = true;
                    o.Filter = request => request.RequestUri is null || !IsRoutine(request.RequestUri.AbsolutePath);
                })
                .AddHttpClientInstrumentation()
                .AddNpgsql())
            .WithMetrics(metrics => metrics
                .AddMeter([.. Meters])
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddNpgsqlInstrumentation()
                .AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0))
            .WithLogging(logging => { }, options =>
            {
                options.IncludeScopes = true;
                options.IncludeFormattedMessage = true;
            });
        if (otlp)
            telemetry.UseOtlpExporter();

        if (settings.MetricsListener is not null)
        {
            builder.Services.AddSingleton<MetricsListener>();
            builder.Services.AddOptions<KestrelServerOptions>()
                .Configure<MetricsListener>((kestrel, listener) => listener.Bind(kestrel));
        }

        return builder;
    }

    /// <summary>
    /// Maps <c>/metrics</c> on the metrics listener alone (never on a public listener), and keeps
    /// that listener to that one path. Without a metrics listener there is no <c>/metrics</c>.
    /// </summary>
    public static WebApplication MapPlatformTelemetry(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var settings = app.Services.GetRequiredService<PlatformTelemetrySettings>();
        if (!settings.Enabled || settings.MetricsListener is null)
            return app;
        app.UseMiddleware<MetricsListenerFilter>();
        app.MapPrometheusScrapingEndpoint(MetricsPath);
        return app;
    }

    /// <summary>Scrapes, probes and heartbeats: no trace of their own (they would be most of them).</summary>
    private static bool IsRoutine(PathString path) =>
        path.StartsWithSegments(MetricsPath, StringComparison.Ordinal)
        || path.StartsWithSegments("/healthz", StringComparison.Ordinal)
        || path.StartsWithSegments("/readyz", StringComparison.Ordinal)
        || path.StartsWithSegments("/grpc.health.v1.Health", StringComparison.Ordinal)
        || path.StartsWithSegments("/platform.v1.ClusterService/Heartbeat", StringComparison.Ordinal);

    private static void ConfigureResource(ResourceBuilder resource, IConfiguration configuration, ServerRole role)
    {
        var serviceName = configuration["OTEL_SERVICE_NAME"] is { Length: > 0 } configured ? configured : DefaultServiceName(role);
        var version = typeof(PlatformTelemetry).Assembly.GetName().Version?.ToString();
        if (role.HasFlag(ServerRole.Worker))
        {
            // The worker id is the instance: known once the worker's folder is open.
            resource.AddService(serviceName, serviceVersion: version, autoGenerateServiceInstanceId: false);
            resource.AddDetector(services => new WorkerInstanceDetector(WorkerTelemetry.WorkerId(services)));
        }
        else
        {
            resource.AddService(serviceName, serviceVersion: version, autoGenerateServiceInstanceId: true);
        }
    }

    /// <summary><c>platform-control-plane</c>, <c>platform-worker</c>, or <c>platform</c> for <c>--role all</c>.</summary>
    public static string DefaultServiceName(ServerRole role) => role switch
    {
        ServerRole.ControlPlane => "platform-control-plane",
        ServerRole.Worker => "platform-worker",
        _ => "platform",
    };

    private sealed class WorkerInstanceDetector(string workerId) : IResourceDetector
    {
        public Resource Detect() => new([new KeyValuePair<string, object>("service.instance.id", workerId)]);
    }
}
