using System.Diagnostics;

namespace Platform.ControlPlane.Telemetry;

/// <summary>The control plane's meter and activity source names, for the host's OpenTelemetry wiring.</summary>
public static class ControlPlaneTelemetry
{
    /// <summary>The <see cref="System.Diagnostics.Metrics.Meter"/> name of the control plane's instruments (<see cref="ControlPlaneMetrics"/>).</summary>
    public const string MeterName = "Platform.ControlPlane";

    /// <summary>The <see cref="ActivitySource"/> name of the control plane's own spans (<c>invoke</c>).</summary>
    public const string ActivitySourceName = "Platform.ControlPlane";

    /// <summary>The span around one invocation, between the REST/gRPC server span and the gRPC call to a worker.</summary>
    public const string InvokeActivityName = "invoke";

    /// <summary>The <c>invoke</c> span's attribute naming how the invocation arrived: <c>invoke</c> or <c>http</c>.</summary>
    public const string TriggerAttribute = "platform.trigger";

    internal static ActivitySource Source { get; } = new(ActivitySourceName, typeof(ControlPlaneTelemetry).Assembly.GetName().Version?.ToString());
}
