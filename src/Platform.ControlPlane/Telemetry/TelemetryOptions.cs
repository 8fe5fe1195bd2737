namespace Platform.ControlPlane.Telemetry;

/// <summary>Control-plane telemetry settings (<c>Platform:Telemetry:*</c>).</summary>
public sealed class TelemetryOptions
{
    /// <summary>
    /// Label the invocation instruments with the function name. Default true. Set false for large
    /// fleets: the series then grow with tenants × outcomes only, the <c>function</c> label is
    /// recorded as an empty string.
    /// </summary>
    public bool IncludeFunctionLabel { get; set; } = true;
}
