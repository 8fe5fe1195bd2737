using System.Text.Json;

namespace Platform.Server.Dev;

/// <summary>What <c>dev</c> writes to <c>.platform/dev.json</c> for scripts and tests.</summary>
/// <summary>What <c>dev</c> writes to dev.json. <see cref="MetricsUrl"/> is the one Prometheus scrape URL of the whole dev platform (the workers' instruments included).</summary>
internal sealed record DevFacts(string RestUrl, string GrpcUrl, string AdminKey, string DemoApiKey, string MetricsUrl)
{
    public static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web) { WriteIndented = true };
}
