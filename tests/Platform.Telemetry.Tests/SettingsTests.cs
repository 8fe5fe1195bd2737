using Microsoft.Extensions.Configuration;
using Platform.Server;
using Platform.Server.Telemetry;

namespace Platform.Telemetry.Tests;

/// <summary><c>Platform:MetricsUrl</c>, <c>Platform:Telemetry:Enabled</c> and the service names, without hosts.</summary>
public sealed class SettingsTests
{
    [Theory]
    [InlineData(ServerRole.Worker, null, "127.0.0.1", 8091)]
    [InlineData(ServerRole.ControlPlane, null, "127.0.0.1", 8083)]
    [InlineData(ServerRole.All, null, "127.0.0.1", 8083)]
    [InlineData(ServerRole.ControlPlane, "none", null, 0)]
    [InlineData(ServerRole.Worker, "", null, 0)]
    [InlineData(ServerRole.Worker, "none", null, 0)]
    [InlineData(ServerRole.Worker, "http://0.0.0.0:9100", "0.0.0.0", 9100)]
    [InlineData(ServerRole.ControlPlane, "http://localhost:9100/", "localhost", 9100)]
    [InlineData(ServerRole.Worker, "http://[::1]:0", "[::1]", 0)]
    public void MetricsUrl_PerRoleAndValue_ListenerOrNone(ServerRole role, string? url, string? host, int port)
    {
        var settings = PlatformTelemetrySettings.From(Configuration(("Platform:MetricsUrl", url)), role);

        Assert.True(settings.Enabled);
        Assert.Equal(host, settings.MetricsListener?.Host);
        if (host is not null)
            Assert.Equal(port, settings.MetricsListener!.Port);
    }

    [Theory]
    [InlineData("8091")]
    [InlineData("https://127.0.0.1:8091")]
    [InlineData("http://127.0.0.1")]
    [InlineData("http://127.0.0.1:99999")]
    [InlineData("http://metrics.example:8091")]
    [InlineData("http://127.0.0.1:8091/metrics")]
    public void MetricsUrl_Invalid_ConfigurationErrorNamingTheKey(string url)
    {
        var error = Assert.Throws<ServerConfigurationException>(() => PlatformTelemetrySettings.From(Configuration(("Platform:MetricsUrl", url)), ServerRole.Worker));
        Assert.StartsWith("Platform:MetricsUrl: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Enabled_False_NoListenerEvenForAWorker()
    {
        var settings = PlatformTelemetrySettings.From(Configuration(("Platform:Telemetry:Enabled", "false")), ServerRole.Worker);

        Assert.False(settings.Enabled);
        Assert.Null(settings.MetricsListener);
        Assert.Throws<ServerConfigurationException>(() => PlatformTelemetrySettings.From(Configuration(("Platform:Telemetry:Enabled", "maybe")), ServerRole.Worker));
    }

    [Theory]
    [InlineData(null, PlatformTelemetrySettings.DefaultTraceSampleRatio)]
    [InlineData("0", 0.0)]
    [InlineData("0.25", 0.25)]
    [InlineData("1", 1.0)]
    public void TraceSampleRatio_DefaultOrConfigured(string? value, double expected)
    {
        var settings = PlatformTelemetrySettings.From(Configuration((PlatformTelemetrySettings.TraceSampleRatioKey, value)), ServerRole.ControlPlane);

        Assert.Equal(expected, settings.TraceSampleRatio);
    }

    [Theory]
    [InlineData("1.5")]
    [InlineData("-0.1")]
    [InlineData("NaN")]
    [InlineData("often")]
    public void TraceSampleRatio_OutsideZeroToOne_ConfigurationErrorNamingTheKey(string value)
    {
        var error = Assert.Throws<ServerConfigurationException>(() => PlatformTelemetrySettings.From(Configuration((PlatformTelemetrySettings.TraceSampleRatioKey, value)), ServerRole.ControlPlane));
        Assert.StartsWith(PlatformTelemetrySettings.TraceSampleRatioKey, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void InvalidMetricsUrl_Build_FailsBeforeStarting()
    {
        var error = Assert.Throws<ServerConfigurationException>(() => PlatformServer.Build(["--role=worker", "--Platform:MetricsUrl=metrics"]));
        Assert.Contains("Platform:MetricsUrl", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(ServerRole.ControlPlane, "platform-control-plane")]
    [InlineData(ServerRole.Worker, "platform-worker")]
    [InlineData(ServerRole.All, "platform")]
    public void ServiceName_Default_PerRole(ServerRole role, string expected) =>
        Assert.Equal(expected, PlatformTelemetry.DefaultServiceName(role));

    private static IConfiguration Configuration(params (string Key, string? Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => KeyValuePair.Create(v.Key, v.Value))).Build();
}
