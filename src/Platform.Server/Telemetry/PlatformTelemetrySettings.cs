using Microsoft.Extensions.Configuration;
using Platform.Hosting.Listeners;

namespace Platform.Server.Telemetry;

/// <summary>
/// The composition root's telemetry settings. <c>Platform:Telemetry:Enabled</c> (default true)
/// turns OpenTelemetry off for a host: dev mode does so for its in-process workers, whose
/// meters and spans the control-plane host's providers collect (listeners are process-wide).
/// <c>Platform:MetricsUrl</c> is the HTTP/1.1 listener that serves <c>/metrics</c> and nothing
/// else, in every role, so that scrapers reach it and tenants need not: default
/// <c>http://127.0.0.1:8091</c> for <c>--role worker</c>, <c>http://127.0.0.1:8083</c> for the
/// roles with a control plane. No other listener serves <c>/metrics</c>; an empty value or
/// <c>none</c> turns the endpoint off. <c>Platform:Telemetry:TraceSampleRatio</c> (0 to 1, default
/// <see cref="DefaultTraceSampleRatio"/>) is the share of new traces recorded; a request that
/// arrives with a trace context follows its caller's decision (parent-based sampling).
/// </summary>
public sealed record PlatformTelemetrySettings(bool Enabled, ListenAddress? MetricsListener, double TraceSampleRatio = PlatformTelemetrySettings.DefaultTraceSampleRatio)
{
    public const string EnabledKey = "Platform:Telemetry:Enabled";
    public const string TraceSampleRatioKey = "Platform:Telemetry:TraceSampleRatio";

    /// <summary>One new trace in ten: every span of a recorded invocation, at a tenth of the tracing cost per request.</summary>
    public const double DefaultTraceSampleRatio = 0.1;
    public const string MetricsUrlKey = "Platform:MetricsUrl";
    public const string DefaultWorkerMetricsUrl = "http://127.0.0.1:8091";
    public const string DefaultControlPlaneMetricsUrl = "http://127.0.0.1:8083";

    public static PlatformTelemetrySettings From(IConfiguration configuration, ServerRole role)
    {
        var enabledText = configuration[EnabledKey];
        var enabled = true;
        if (!string.IsNullOrWhiteSpace(enabledText) && !bool.TryParse(enabledText, out enabled))
            throw new ServerConfigurationException($"{EnabledKey} must be true or false, not '{enabledText}'");

        var ratioText = configuration[TraceSampleRatioKey];
        var ratio = DefaultTraceSampleRatio;
        if (!string.IsNullOrWhiteSpace(ratioText)
            && (!double.TryParse(ratioText, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out ratio) || ratio is < 0 or > 1 || double.IsNaN(ratio)))
            throw new ServerConfigurationException($"{TraceSampleRatioKey} must be a number from 0 to 1, not '{ratioText}'");

        var section = configuration.GetSection(MetricsUrlKey);
        var url = section.Value ?? (section.Exists() ? string.Empty : (role == ServerRole.Worker ? DefaultWorkerMetricsUrl : DefaultControlPlaneMetricsUrl));
        if (!enabled || string.IsNullOrWhiteSpace(url) || url.Trim().Equals("none", StringComparison.OrdinalIgnoreCase))
            return new PlatformTelemetrySettings(enabled, null, ratio);
        if (!ListenAddress.TryParse(url, out var endpoint, out var error))
            throw new ServerConfigurationException($"{MetricsUrlKey}: {error}");
        return new PlatformTelemetrySettings(enabled, endpoint, ratio);
    }
}
