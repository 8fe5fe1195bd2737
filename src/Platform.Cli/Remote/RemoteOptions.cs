using System.CommandLine;

namespace Platform.Cli.Remote;

/// <summary>
/// <c>--url</c>, <c>--api-key</c> and <c>--json</c>, added to every remote command. The
/// environment fallbacks are resolved here rather than through default values so that help
/// never prints a key.
/// </summary>
internal sealed class RemoteOptions
{
    private readonly Option<string?> _url = new("--url")
    {
        Description = $"The platform's REST URL (default: ${RemoteSettings.UrlVariable}, else {RemoteSettings.DefaultUrl}).",
        HelpName = "URL",
    };

    private readonly Option<string?> _apiKey = new("--api-key")
    {
        Description = $"The API key, sent as a bearer token (default: ${RemoteSettings.ApiKeyVariable}).",
        HelpName = "KEY",
    };

    private readonly Option<bool> _json = new("--json")
    {
        Description = "Print the server's JSON (one document) instead of a table; failures print the problem document.",
    };

    public static RemoteOptions AddTo(Command command)
    {
        var options = new RemoteOptions();
        command.Options.Add(options._url);
        command.Options.Add(options._apiKey);
        command.Options.Add(options._json);
        return options;
    }

    /// <summary>The settings, or a usage problem (a URL that is not absolute http/https).</summary>
    public (RemoteSettings? Settings, string? Problem) Read(ParseResult parse)
    {
        var json = parse.GetValue(_json);
        var url = parse.GetValue(_url);
        if (string.IsNullOrWhiteSpace(url)) url = Environment.GetEnvironmentVariable(RemoteSettings.UrlVariable);
        if (string.IsNullOrWhiteSpace(url)) url = RemoteSettings.DefaultUrl;
        if (!Uri.TryCreate(url.Trim(), UriKind.Absolute, out var baseUrl) || baseUrl.Scheme is not ("http" or "https"))
            return (null, $"--url must be an absolute http:// or https:// URL, got '{url}'");
        if (!baseUrl.AbsolutePath.EndsWith('/')) baseUrl = new Uri(baseUrl.GetLeftPart(UriPartial.Path) + "/");

        var key = parse.GetValue(_apiKey);
        if (string.IsNullOrWhiteSpace(key)) key = Environment.GetEnvironmentVariable(RemoteSettings.ApiKeyVariable);
        return (new RemoteSettings(baseUrl, string.IsNullOrWhiteSpace(key) ? null : key.Trim(), json), null);
    }
}
