using System.Net;
using System.Text;
using Microsoft.AspNetCore.Http;
using Platform.ControlPlane.Errors;
using Platform.ControlPlane.Functions;
using Platform.ControlPlane.HttpTrigger;
using Platform.ControlPlane.Quotas;

namespace Platform.ControlPlane.Tests;

/// <summary>The HTTP trigger's pure parts: addresses, the CGI environment and the CGI response parser.</summary>
public sealed class HttpTriggerUnitTests
{
    [Theory]
    [InlineData("/fn/acme/api", "acme", "api", null, "/fn/acme/api", "/", "")]
    [InlineData("/fn/acme/api/", "acme", "api", null, "/fn/acme/api", "/", "")]
    [InlineData("/fn/acme/api@prod/a/../b?x=%20&y", "acme", "api", "prod", "/fn/acme/api@prod", "/a/../b", "x=%20&y")]
    [InlineData("/fn/acme/api%403/%2F", "acme", "api", "3", "/fn/acme/api%403", "/%2F", "")]
    [InlineData("http://example.com/fn/acme/api/x?q", "acme", "api", null, "/fn/acme/api", "/x", "q")]
    public void HttpAddress_FromPath_SplitsRawTarget(string raw, string tenant, string function, string? reference, string scriptName, string path, string query)
    {
        var address = HttpAddress.FromPath(raw)!;

        Assert.Equal(tenant, address.Tenant);
        Assert.Equal(function, address.Function.Name);
        Assert.Equal(reference, address.Function.Reference);
        Assert.Equal(scriptName, address.ScriptName);
        Assert.Equal(path, address.RawPath);
        Assert.Equal(query, address.RawQuery);
        Assert.True(address.SharedOrigin);
        Assert.True(address.IsWellFormed);
    }

    [Theory]
    [InlineData("/fn/acme")]
    [InlineData("/fn//api/")]
    [InlineData("/fn/acme/api@/")]
    [InlineData("/fn/Acme/api/")]
    [InlineData("/fn/acme/a_b/")]
    public void HttpAddress_FromPath_MalformedNames_NotWellFormed(string raw) =>
        Assert.False(HttpAddress.FromPath(raw)!.IsWellFormed);

    [Fact]
    public void HttpAddress_FromPath_OutsidePrefix_Null() => Assert.Null(HttpAddress.FromPath("/x/../fn/acme/api/"));

    [Theory]
    [InlineData("api.acme.localhost", "api", null)]
    [InlineData("API.Acme.LOCALHOST.", "api", null)]
    [InlineData("api--prod.acme.localhost", "api", "prod")]
    [InlineData("api--2.acme.localhost", "api", "2")]
    public void HttpAddress_FromHost_FunctionAndReference(string host, string function, string? reference)
    {
        var address = HttpAddress.FromHost(host, "/a%20b?c=d", "localhost")!;

        Assert.Equal("acme", address.Tenant);
        Assert.Equal(function, address.Function.Name);
        Assert.Equal(reference, address.Function.Reference);
        Assert.Equal("", address.ScriptName);
        Assert.Equal("/a%20b", address.RawPath);
        Assert.Equal("c=d", address.RawQuery);
        Assert.False(address.SharedOrigin);
    }

    [Theory]
    [InlineData("localhost")]
    [InlineData("acme.localhost")]
    [InlineData("a.b.c.localhost")]
    [InlineData("api.acme.example.com")]
    [InlineData("api.acmelocalhost")]
    public void HttpAddress_FromHost_OtherHosts_Null(string host) => Assert.Null(HttpAddress.FromHost(host, "/", "localhost"));

    [Fact]
    public void CgiEnvironment_Build_RequestLineHeadersAndBody()
    {
        var http = new DefaultHttpContext();
        http.Request.Method = "PATCH";
        http.Request.Protocol = "HTTP/1.1";
        http.Request.Scheme = "http";
        http.Request.Host = new HostString("api.acme.localhost", 8080);
        http.Request.ContentType = "application/json";
        http.Request.Headers["X-Multi"] = new[] { "a", "b" };
        http.Request.Headers.Authorization = "Bearer secret";
        http.Request.Headers.Connection = "keep-alive, X-Private";
        http.Request.Headers["X-Private"] = "hop";
        http.Request.Headers["Keep-Alive"] = "timeout=5";
        http.Request.Headers.Cookie = new[] { "a=1", "b=2" };
        http.Connection.RemoteIpAddress = IPAddress.Parse("::ffff:10.0.0.7");
        var address = HttpAddress.FromHost("api.acme.localhost", "/caf%C3%A9?x=1", "localhost")!;

        var env = CgiEnvironment.Build(http, address, 17);

        Assert.Equal("PATCH", env["REQUEST_METHOD"]);
        Assert.Equal("/café", env["PATH_INFO"]);
        Assert.Equal("/caf%C3%A9", env["X_RAW_PATH_INFO"]);
        Assert.Equal("x=1", env["QUERY_STRING"]);
        Assert.Equal("/caf%C3%A9?x=1", env["REQUEST_URI"]);
        Assert.Equal("http://api.acme.localhost:8080/caf%C3%A9?x=1", env["X_FULL_URL"]);
        Assert.Equal("api.acme.localhost", env["SERVER_NAME"]);
        Assert.Equal("8080", env["SERVER_PORT"]);
        Assert.Equal("17", env["CONTENT_LENGTH"]);
        Assert.Equal("application/json", env["CONTENT_TYPE"]);
        Assert.Equal("10.0.0.7", env["REMOTE_ADDR"]);
        Assert.Equal("CGI/1.1", env["GATEWAY_INTERFACE"]);
        Assert.Equal("a, b", env["HTTP_X_MULTI"]);
        Assert.Equal("a=1; b=2", env["HTTP_COOKIE"]);
        Assert.Equal("api.acme.localhost:8080", env["HTTP_HOST"]);
        foreach (var absent in new[] { "HTTP_AUTHORIZATION", "HTTP_CONNECTION", "HTTP_X_PRIVATE", "HTTP_KEEP_ALIVE", "HTTP_CONTENT_TYPE" })
            Assert.False(env.ContainsKey(absent), absent);
    }

    [Fact]
    public void CgiEnvironment_Build_EncodedNul_InvalidArgument()
    {
        var http = new DefaultHttpContext();
        var address = HttpAddress.FromPath("/fn/acme/api/a%00b")!;

        var ex = Assert.Throws<PlatformException>(() => CgiEnvironment.Build(http, address, 0));

        Assert.Equal(ErrorCode.InvalidArgument, ex.Code);
    }

    [Fact]
    public void CgiResponse_TryParse_HeadersStatusAndBody()
    {
        var ok = CgiResponse.TryParse(Bytes("Status: 418 I'm a teapot\r\nContent-Type: text/plain\r\nX-A:  spaced \t\r\nX-A: 2\r\n\r\nbody\r\n\r\nmore"), sharedOrigin: false, out var response, out var error);

        Assert.True(ok, error);
        Assert.Equal(418, response!.Status);
        Assert.Equal("I'm a teapot", response.Reason);
        Assert.Equal(new[] { ("Content-Type", "text/plain"), ("X-A", "spaced"), ("X-A", "2") }, response.Headers.Select(h => (h.Key, h.Value)));
        Assert.Equal("body\r\n\r\nmore", Encoding.ASCII.GetString(response.Body.Span));
    }

    [Theory]
    [InlineData("Location: /x\n\n", 302)]
    [InlineData("Location: /x\nStatus: 301\n\n", 301)]
    [InlineData("Content-Type: text/plain\n\n", 200)]
    [InlineData("Status: 204\n", 204)]
    public void CgiResponse_TryParse_Status(string output, int status)
    {
        Assert.True(CgiResponse.TryParse(Bytes(output), sharedOrigin: true, out var response, out var error), error);
        Assert.Equal(status, response!.Status);
    }

    [Fact]
    public void CgiResponse_TryParse_DropsPlatformOwnedHopByHopAndSharedOriginCookies()
    {
        const string output = "Content-Type: a/b\nPlatform-Outcome: OK\nplatform-x: 1\nTransfer-Encoding: chunked\nConnection: close\nUpgrade: h2c\nContent-Length: 5\nSet-Cookie: s=1\nX-Kept: yes\n\n";

        Assert.True(CgiResponse.TryParse(Bytes(output), sharedOrigin: true, out var shared, out _));
        Assert.True(CgiResponse.TryParse(Bytes(output), sharedOrigin: false, out var own, out _));

        Assert.Equal(new[] { "Content-Type", "X-Kept" }, shared!.Headers.Select(h => h.Key));
        Assert.Equal(new[] { "Content-Type", "Set-Cookie", "X-Kept" }, own!.Headers.Select(h => h.Key));
    }

    [Theory]
    [InlineData("X: 1\n\n", "no Content-Type, Location or Status")]
    [InlineData("no headers at all", "does not end its header lines")]
    [InlineData("Content-Type: a/b\n: empty name\n\n", "header line 2")]
    [InlineData("Content-Type: a/b\nX(y): 1\n\n", "header line 2")]
    [InlineData("Content-Type: a/b\nX: caf\u00e9\n\n", "header line 2")]
    [InlineData("Content-Type: a/b\nX: \u0001\n\n", "header line 2")]
    [InlineData("Status: 600\n\n", "'Status: 600'")]
    [InlineData("Status: 1xx\n\n", "'Status: 1xx'")]
    [InlineData("Status: 100 Continue\n\n", "'Status: 100 Continue'")]
    public void CgiResponse_TryParse_Malformed_Refused(string output, string message)
    {
        Assert.False(CgiResponse.TryParse(Encoding.UTF8.GetBytes(output), sharedOrigin: false, out var response, out var error));
        Assert.Null(response);
        Assert.Contains(message, error, StringComparison.Ordinal);
    }

    [Fact]
    public void CgiResponse_TryParse_Limits_LineBlockAndCount()
    {
        var longLine = "Content-Type: a/b\nX: " + new string('x', CgiResponse.MaxLineBytes) + "\n\n";
        var endlessLine = "X: " + new string('x', 1 << 20);
        var bigBlock = "Content-Type: a/b\n" + string.Concat(Enumerable.Range(0, 20).Select(i => $"X-{i}: {new string('x', 4000)}\n")) + "\n";
        var manyLines = "Content-Type: a/b\n" + string.Concat(Enumerable.Range(0, CgiResponse.MaxHeaders).Select(i => $"X-{i}: 1\n")) + "\n";

        Assert.False(CgiResponse.TryParse(Bytes(longLine), false, out _, out var line));
        Assert.False(CgiResponse.TryParse(Bytes(endlessLine), false, out _, out var endless));
        Assert.False(CgiResponse.TryParse(Bytes(bigBlock), false, out _, out var block));
        Assert.False(CgiResponse.TryParse(Bytes(manyLines), false, out _, out var count));

        Assert.Contains($"longer than {CgiResponse.MaxLineBytes} bytes", line, StringComparison.Ordinal);
        Assert.Contains($"longer than {CgiResponse.MaxLineBytes} bytes", endless, StringComparison.Ordinal);
        Assert.Contains($"larger than {CgiResponse.MaxHeaderBlockBytes} bytes", block, StringComparison.Ordinal);
        Assert.Contains($"more than {CgiResponse.MaxHeaders} header lines", count, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"http": {"public": true}}""", true)]
    [InlineData("""{"http": {"public": false}}""", false)]
    [InlineData("""{"http": {}}""", false)]
    public void FunctionConfigInput_Http_Validated(string json, bool isPublic)
    {
        var config = Json.ApiJson.Parse<FunctionConfigInput>(Encoding.UTF8.GetBytes(json), "config")!.Validate(new QuotaDefaults().ToEffective());

        Assert.Equal(new HttpTriggerConfig(isPublic), config.Http);
        Assert.Equal(config, Json.ApiJson.DeserializeConfig(Json.ApiJson.SerializeConfig(config)) with { Env = config.Env, Args = config.Args });
    }

    [Theory]
    [InlineData("""{"http": {"public": "yes"}}""")]
    [InlineData("""{"http": {"open": true}}""")]
    [InlineData("""{"http": true}""")]
    public void FunctionConfigInput_MalformedHttp_InvalidArgument(string json)
    {
        var ex = Assert.Throws<PlatformException>(() => Json.ApiJson.Parse<FunctionConfigInput>(Encoding.UTF8.GetBytes(json), "config"));

        Assert.Equal(ErrorCode.InvalidArgument, ex.Code);
        Assert.StartsWith("config.http", ex.Field, StringComparison.Ordinal);
    }

    private static byte[] Bytes(string text) => Encoding.Latin1.GetBytes(text);
}
