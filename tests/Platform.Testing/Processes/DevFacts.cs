using System.Text.Json;

namespace Platform.Testing.Processes;

/// <summary>
/// What <c>Platform.Server dev</c> writes to dev.json in its data folder. <see cref="MetricsUrl"/>
/// is the platform's one scrape URL, on the metrics listener; <see cref="ClusterUrl"/> the
/// internal listener the workers registered with.
/// </summary>
public sealed record DevFacts(string RestUrl, string GrpcUrl, string AdminKey, string DemoApiKey, string MetricsUrl, string ClusterUrl)
{
    public Uri Metrics => new(MetricsUrl);

    /// <summary>The facts in <paramref name="path"/>; null while the file is missing or still being written.</summary>
    public static async Task<DevFacts?> TryReadAsync(string path)
    {
        if (!File.Exists(path)) return null;
        try
        {
            return JsonSerializer.Deserialize<DevFacts>(await File.ReadAllTextAsync(path), JsonSerializerOptions.Web);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
