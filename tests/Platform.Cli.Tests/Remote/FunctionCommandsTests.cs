using System.Text.Json;

namespace Platform.Cli.Tests.Remote;

public sealed class FunctionCommandsTests
{
    [Fact]
    public async Task FunctionsList_PrintsAnAlignedTable()
    {
        await using var platform = await FakePlatform.StartAsync();

        var result = await Ctl.TenantAsync(platform, "functions", "list");

        Assert.Equal(0, result.ExitCode);
        // The fake answers in two pages: the table shows both.
        Assert.Equal(
            [("GET", "/v1/functions?limit=200"), ("GET", "/v1/functions?limit=200&cursor=page-2")],
            platform.Requests.Select(r => (r.Method, r.Path)));
        Assert.Equal(
            """
            NAME           LATEST  CREATED               UPDATED
            hello          3       2025-01-02 03:04:05Z  2025-01-03 00:00:00Z
            image-resizer  12      2025-01-02 03:04:05Z  2025-01-02 03:04:05Z

            """,
            result.Stdout);
    }

    [Fact]
    public async Task FunctionsList_Json_IsTheServersDocument()
    {
        await using var platform = await FakePlatform.StartAsync();

        var result = await Ctl.TenantAsync(platform, "functions", "list", "--json");

        Assert.Equal(0, result.ExitCode);
        // One document with the items of both pages and no cursor left.
        var document = JsonDocument.Parse(result.Stdout).RootElement;
        var functions = document.GetProperty("functions");
        Assert.Equal(["hello", "image-resizer"], functions.EnumerateArray().Select(f => f.GetProperty("name").GetString()));
        Assert.Equal(JsonValueKind.Null, document.GetProperty("nextCursor").ValueKind);
    }

    [Fact]
    public async Task FunctionsGet_ShowsVersionsWithTheirAliases()
    {
        await using var platform = await FakePlatform.StartAsync();

        var result = await Ctl.TenantAsync(platform, "functions", "get", "hello");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(("GET", "/v1/functions/hello?limit=200"), (Assert.Single(platform.Requests).Method, platform.Requests[0].Path));
        var lines = result.Stdout.Split('\n');
        Assert.Equal("name     hello", lines[0]);
        Assert.Equal("latest   2", lines[1]);
        var header = Array.FindIndex(lines, l => l.StartsWith("VERSION", StringComparison.Ordinal));
        Assert.Equal("VERSION  ALIASES        SHA256        SIZE           CREATED               CONFIG", lines[header]);
        Assert.StartsWith("1        prod           ", lines[header + 1]);
        Assert.StartsWith("2        canary,latest  ", lines[header + 2]);
        Assert.EndsWith("fuel=1000 env=GREETING args=1", lines[header + 2]);
    }

    [Fact]
    public async Task FunctionsGet_HttpFunction_ShowsItsUrls()
    {
        await using var platform = await FakePlatform.StartAsync();

        var result = await Ctl.TenantAsync(platform, "functions", "get", "web");

        Assert.Equal(0, result.ExitCode);
        var lines = result.Stdout.Split('\n');
        Assert.Contains("http         public (no key needed)", lines);
        Assert.Contains("url          http://127.0.0.1:8080/fn/acme/web/", lines);
        Assert.Contains("host url     http://web.acme.localhost:8080/", lines);
        Assert.Contains("version url  http://127.0.0.1:8080/fn/acme/web@{ref}/", lines);
        Assert.Contains("version url  http://web--{ref}.acme.localhost:8080/", lines);
        Assert.EndsWith("http=public", lines[Array.FindIndex(lines, l => l.StartsWith("VERSION", StringComparison.Ordinal)) + 1]);
    }

    [Fact]
    public async Task FunctionsDeleteVersion_SendsDeleteOfTheVersion()
    {
        await using var platform = await FakePlatform.StartAsync();

        var result = await Ctl.TenantAsync(platform, "functions", "delete-version", "hello", "2");

        Assert.Equal(0, result.ExitCode);
        var request = Assert.Single(platform.Requests);
        Assert.Equal(("DELETE", "/v1/functions/hello/versions/2"), (request.Method, request.Path));
        Assert.Equal("Deleted version 2 of function hello.\n", result.Stdout);

        var usage = await Ctl.TenantAsync(platform, "functions", "delete-version", "hello", "0");
        Assert.Equal(2, usage.ExitCode);
        Assert.Single(platform.Requests);
    }

    [Fact]
    public async Task FunctionsDelete_SendsDelete()
    {
        await using var platform = await FakePlatform.StartAsync();

        var result = await Ctl.TenantAsync(platform, "functions", "delete", "hello");

        Assert.Equal(0, result.ExitCode);
        var request = Assert.Single(platform.Requests);
        Assert.Equal(("DELETE", "/v1/functions/hello"), (request.Method, request.Path));
        Assert.Equal("Deleted function hello.\n", result.Stdout);

        var json = await Ctl.TenantAsync(platform, "functions", "delete", "hello", "--json");
        Assert.Equal(0, json.ExitCode);
        Assert.Equal("", json.Stdout);
    }

    [Fact]
    public async Task FunctionsDelete_Missing_Exits21()
    {
        await using var platform = await FakePlatform.StartAsync();

        var result = await Ctl.TenantAsync(platform, "functions", "delete", "nope");

        Assert.Equal(21, result.ExitCode);
        Assert.Equal("platformctl: NOT_FOUND: function 'nope' not found\n", result.Stderr);
    }

    [Fact]
    public async Task AliasSet_PutsTheVersion()
    {
        await using var platform = await FakePlatform.StartAsync();

        var result = await Ctl.TenantAsync(platform, "alias", "set", "hello", "prod", "2");

        Assert.Equal(0, result.ExitCode);
        var request = Assert.Single(platform.Requests);
        Assert.Equal(("PUT", "/v1/functions/hello/aliases/prod", "application/json", """{"version":2}"""), (request.Method, request.Path, request.ContentType, request.BodyText));
        Assert.Equal("hello@prod -> version 2\n", result.Stdout);
    }

    [Fact]
    public async Task AliasSet_VersionNotANumber_Exits2()
    {
        var result = await PlatformCtlProcess.RunAsync("", "alias", "set", "hello", "prod", "two");

        Assert.Equal(2, result.ExitCode);
    }
}
