namespace Platform.Cli.Remote;

/// <summary>Where and as whom a remote command talks to the platform, and how it prints.</summary>
/// <param name="BaseUrl">The control plane's REST base address, always ending with '/'.</param>
/// <param name="ApiKey">The bearer key; null when neither --api-key nor PLATFORM_API_KEY gave one.</param>
/// <param name="Json">Print the server's JSON instead of tables.</param>
internal sealed record RemoteSettings(Uri BaseUrl, string? ApiKey, bool Json)
{
    public const string UrlVariable = "PLATFORM_URL";
    public const string ApiKeyVariable = "PLATFORM_API_KEY";
    public const string DefaultUrl = "http://127.0.0.1:8080";
}
