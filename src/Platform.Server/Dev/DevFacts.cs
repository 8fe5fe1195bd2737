using System.Text.Json;

namespace Platform.Server.Dev;

/// <summary>
/// What <c>dev</c> writes to dev.json for scripts and tests. <see cref="MetricsUrl"/> is the one
/// Prometheus scrape URL of the whole dev platform (the workers' instruments included), on the
/// metrics listener; <see cref="ClusterUrl"/> the internal listener the workers registered with.
/// </summary>
internal sealed record DevFacts(string RestUrl, string GrpcUrl, string AdminKey, string DemoApiKey, string MetricsUrl, string ClusterUrl)
{
    public static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web) { WriteIndented = true };
}
