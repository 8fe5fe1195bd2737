using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Platform.Worker.Hosting;

namespace Platform.Worker.Telemetry;

/// <summary>The worker's meter and activity source names, for the host's OpenTelemetry wiring.</summary>
public static class WorkerTelemetry
{
    /// <summary>The <see cref="System.Diagnostics.Metrics.Meter"/> name of the worker's instruments (<see cref="WorkerMetrics"/>).</summary>
    public const string MeterName = "Platform.Worker";

    /// <summary>The <see cref="ActivitySource"/> name of the worker's own spans (<c>module.fetch</c>).</summary>
    public const string ActivitySourceName = "Platform.Worker";

    /// <summary>The id of the worker a host runs (configured, or generated and kept in its cache folder).</summary>
    public static string WorkerId(IServiceProvider services) =>
        services.GetRequiredService<WorkerDirectory>().WorkerId;

    internal static ActivitySource Source { get; } = new(ActivitySourceName, typeof(WorkerTelemetry).Assembly.GetName().Version?.ToString());
}
