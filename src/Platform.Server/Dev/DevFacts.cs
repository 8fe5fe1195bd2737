using System.Text.Json;

namespace Platform.Server.Dev;

/// <summary>What <c>dev</c> writes to <c>.platform/dev.json</c> for scripts and tests.</summary>
internal sealed record DevFacts(string RestUrl, string GrpcUrl, string AdminKey, string DemoApiKey)
{
    public static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web) { WriteIndented = true };
}
