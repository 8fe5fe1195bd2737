using System.Text.Json;
using Platform.Testing;

namespace Platform.Cli.Tests.Remote;

public sealed class RemoteFailureTests
{
    [Theory]
    [InlineData("invoke", "echo", "--data", "x")]
    [InlineData("functions", "list")]
    [InlineData("workers")]
    public async Task MissingKey_Exits22WithoutARequest(params string[] args)
    {
        await using var platform = await FakePlatform.StartAsync();

        var result = await PlatformCtlProcess.RunAsync([], platform.Environment(key: null), args);

        Assert.Equal(22, result.ExitCode);
        Assert.Contains("no API key: pass --api-key or set PLATFORM_API_KEY", result.Stderr);
        Assert.Empty(platform.Requests);
    }

    [Fact]
    public async Task MissingKeyOnDeploy_Exits22WithoutARequest()
    {
        await using var platform = await FakePlatform.StartAsync();
        using var file = Ctl.File("hello.wasm", [0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]);

        var result = await PlatformCtlProcess.RunAsync([], platform.Environment(key: null), "deploy", "hello", file.Path);

        Assert.Equal(22, result.ExitCode);
        Assert.Empty(platform.Requests);
    }

    [Fact]
    public async Task WrongKey_401_Exits22()
    {
        await using var platform = await FakePlatform.StartAsync();

        var result = await PlatformCtlProcess.RunAsync([], platform.Environment(key: "pk_wrong"), "functions", "list");

        Assert.Equal(22, result.ExitCode);
        Assert.Equal("platformctl: UNAUTHENTICATED: the key is not valid\n", result.Stderr);
        Assert.Equal("Bearer pk_wrong", Assert.Single(platform.Requests).Authorization);
    }

    [Fact]
    public async Task TenantKeyOnAnAdminRoute_403_Exits23()
    {
        await using var platform = await FakePlatform.StartAsync();

        var result = await Ctl.TenantAsync(platform, "tenants", "list");

        Assert.Equal(23, result.ExitCode);
        Assert.StartsWith("platformctl: FORBIDDEN: ", result.Stderr);
    }

    [Fact]
    public async Task Options_OverrideTheEnvironment()
    {
        await using var platform = await FakePlatform.StartAsync();
        var environment = new Dictionary<string, string?> { ["PLATFORM_URL"] = "http://127.0.0.1:1", ["PLATFORM_API_KEY"] = "pk_wrong" };

        var result = await PlatformCtlProcess.RunAsync([], environment, "functions", "list", "--url", platform.Url, "--api-key", FakePlatform.TenantKey);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(2, platform.Requests.Count);
        Assert.All(platform.Requests, r => Assert.Equal($"Bearer {FakePlatform.TenantKey}", r.Authorization));
    }

    [Fact]
    public async Task UrlWithAPathPrefix_KeepsThePrefix()
    {
        await using var platform = await FakePlatform.StartAsync();

        var result = await PlatformCtlProcess.RunAsync([], platform.Environment(), "functions", "list", "--url", platform.Url + "/gateway");

        Assert.Equal(21, result.ExitCode);
        Assert.Equal("/gateway/v1/functions?limit=200", platform.Requests.First().Path);
    }

    [Fact]
    public async Task ConnectionRefused_Exits29WithAClearMessage()
    {
        var url = $"http://127.0.0.1:{FreePort.Next()}";

        var result = await PlatformCtlProcess.RunAsync([], new Dictionary<string, string?> { ["PLATFORM_URL"] = url, ["PLATFORM_API_KEY"] = "pk_x" }, "functions", "list");

        Assert.Equal(29, result.ExitCode);
        Assert.Equal($"platformctl: UNAVAILABLE: cannot reach the platform at {url}/: connection refused (is the platform running? check --url or PLATFORM_URL)\n", result.Stderr);
        Assert.Equal("", result.Stdout);
    }

    [Fact]
    public async Task ConnectionRefusedJson_PrintsAProblemDocument()
    {
        var url = $"http://127.0.0.1:{FreePort.Next()}";

        var result = await PlatformCtlProcess.RunAsync([], new Dictionary<string, string?> { ["PLATFORM_URL"] = url, ["PLATFORM_API_KEY"] = "pk_x" }, "workers", "--json");

        Assert.Equal(29, result.ExitCode);
        var json = JsonDocument.Parse(result.Stdout).RootElement;
        Assert.Equal("UNAVAILABLE", json.GetProperty("code").GetString());
        Assert.Contains("connection refused", json.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task NoAnswerWithinTheRequestTimeout_Exits29()
    {
        await using var platform = await FakePlatform.StartAsync();

        var result = await Ctl.TenantAsync(platform, "invoke", "slow", "--request-timeout", "1");

        Assert.Equal(29, result.ExitCode);
        Assert.Contains("no answer from", result.Stderr);
        Assert.Contains("within 1 s", result.Stderr);
    }

    [Fact]
    public async Task ProblemJson_IsTheServersDocumentOnStdout()
    {
        await using var platform = await FakePlatform.StartAsync();

        var result = await Ctl.TenantAsync(platform, "functions", "get", "missing", "--json");

        Assert.Equal(21, result.ExitCode);
        var json = JsonDocument.Parse(result.Stdout).RootElement;
        Assert.Equal("NOT_FOUND", json.GetProperty("code").GetString());
        Assert.Equal(404, json.GetProperty("status").GetInt32());
        Assert.Equal("/v1/functions/missing", json.GetProperty("instance").GetString());
        Assert.Equal("platformctl: NOT_FOUND: function 'missing' not found\n", result.Stderr);
    }

    [Theory]
    [InlineData("ftp://example.com")]
    [InlineData("not a url")]
    public async Task BadUrl_IsAUsageError(string url)
    {
        var result = await PlatformCtlProcess.RunAsync([], new Dictionary<string, string?> { ["PLATFORM_API_KEY"] = "pk_x" }, "functions", "list", "--url", url);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--url must be an absolute http:// or https:// URL", result.Stderr);
    }

    [Fact]
    public async Task UnparsableCommandLine_Exits2()
    {
        var result = await PlatformCtlProcess.RunAsync("", "functions", "get");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("Required argument missing", result.Stderr);
    }
}
