using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Platform.EndToEnd.Tests;

/// <summary>
/// A real HTTP client for the HTTP trigger: sends the request target exactly as written (no dot
/// segment removal, no re-encoding), optionally with another Host (the host form), never follows
/// redirects, and reads the whole answer.
/// </summary>
internal static class HttpTriggerClient
{
    private static readonly UriCreationOptions Verbatim = new() { DangerousDisablePathAndQueryCanonicalization = true };

    public static async Task<HttpAnswer> SendAsync(
        Uri rest,
        HttpMethod method,
        string target,
        string? host = null,
        string? key = null,
        HttpContent? content = null,
        Action<HttpRequestMessage>? configure = null,
        TimeSpan? timeout = null)
    {
        using var handler = new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false };
        using var client = new HttpClient(handler) { Timeout = timeout ?? TestTimeouts.Default };
        using var request = new HttpRequestMessage(method, new Uri(rest.GetLeftPart(UriPartial.Authority) + target, Verbatim)) { Content = content };
        if (host is not null) request.Headers.Host = $"{host}:{rest.Port}";
        if (key is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        configure?.Invoke(request);
        using var response = await client.SendAsync(request).Within(timeout);
        var body = await response.Content.ReadAsByteArrayAsync().Within(timeout);
        return new HttpAnswer(response.StatusCode, response.ReasonPhrase, Headers(response), body);
    }

    public static Task<HttpAnswer> GetAsync(Uri rest, string target, string? host = null, string? key = null) =>
        SendAsync(rest, HttpMethod.Get, target, host, key);

    public static Task<HttpAnswer> PostAsync(Uri rest, string target, string body, string? host = null, string? key = null) =>
        SendAsync(rest, HttpMethod.Post, target, host, key, new StringContent(body, Encoding.UTF8, "text/plain"));

    private static Dictionary<string, List<string>> Headers(HttpResponseMessage response)
    {
        var headers = new Dictionary<string, List<string>>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
        {
            if (!headers.TryGetValue(name, out var list)) headers[name] = list = [];
            list.AddRange(values);
        }

        return headers;
    }
}

internal sealed record HttpAnswer(HttpStatusCode Status, string? Reason, Dictionary<string, List<string>> Headers, byte[] Body)
{
    public string Text => Encoding.UTF8.GetString(Body);

    public string? Header(string name) => Headers.TryGetValue(name, out var values) ? string.Join(", ", values) : null;

    public string InvocationId
    {
        get
        {
            var id = Header("Platform-Invocation-Id");
            Assert.True(id is not null, $"no Platform-Invocation-Id on {(int)Status}: {Text}");
            Assert.Matches("^[0-9a-f]{32}$", id);
            return id!;
        }
    }

    /// <summary>The CGI test guest's body: argv, the environment, stdin.</summary>
    public CgiDump Dump()
    {
        Assert.True(Status == HttpStatusCode.OK, $"{(int)Status}: {Text}");
        var text = Text;
        var stdin = text.IndexOf("stdin:", StringComparison.Ordinal);
        Assert.True(stdin >= 0, text);
        var lines = text[..stdin].Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var args = lines.Where(l => l.StartsWith("arg[", StringComparison.Ordinal)).Select(l => l[(l.IndexOf('=', StringComparison.Ordinal) + 1)..]).ToList();
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in lines.Where(l => l.StartsWith("env:", StringComparison.Ordinal)))
        {
            var equals = line.IndexOf('=', StringComparison.Ordinal);
            env[line[4..equals]] = line[(equals + 1)..];
        }

        return new CgiDump(args, env, text[(stdin + "stdin:".Length)..]);
    }

    /// <summary>Asserts a problem document with this status and code, without the function's logs; returns it.</summary>
    public JsonObject AssertProblem(HttpStatusCode status, string code)
    {
        Assert.True(Status == status, $"expected {(int)status} {code}, got {(int)Status}: {Text}");
        Assert.Equal("application/problem+json", Header("Content-Type"));
        var problem = JsonNode.Parse(Text)!.AsObject();
        Assert.Equal(code, problem["code"]!.GetValue<string>());
        Assert.Equal((int)status, problem["status"]!.GetValue<int>());
        Assert.False(problem.ContainsKey("logs"), Text);
        _ = InvocationId;
        return problem;
    }
}

internal sealed record CgiDump(IReadOnlyList<string> Args, IReadOnlyDictionary<string, string> Env, string Stdin)
{
    public string? this[string name] => Env.TryGetValue(name, out var value) ? value : null;
}
