using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Platform.ControlPlane.Telemetry;

namespace Platform.EndToEnd.Tests;

/// <summary>
/// The HTTP trigger end to end on the shared cluster: real HTTP requests at the path form
/// (<c>/fn/{tenant}/{function}/...</c>) and the host form (<c>{function}.{tenant}.localhost</c>),
/// CGI in both directions with the <c>cgi</c> C guest and an echo guest that answers whatever
/// CGI output the test sends it.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class HttpTriggerTests(EndToEndEnvironment environment)
{
    private const int MaxInputBytes = 64 * 1024;
    private const string Public = """{"http": {"public": true}}""";

    private sealed record Setup(TestCluster Cluster, string Tenant, string Key, string OtherTenant, string OtherKey)
    {
        public Uri Rest => Cluster.ControlPlane.RestUri;

        public string Host(string function) => $"{function}.{Tenant}.{TestCluster.BaseDomain}";
    }

    private async Task<Setup> SetupAsync()
    {
        var cluster = await environment.SharedClusterAsync();
        return await cluster.OnceAsync("http-trigger", async () =>
        {
            var (tenant, key) = await cluster.CreateTenantAsync(new { maxInputBytes = MaxInputBytes, maxFuel = 1_000_000_000_000 });
            var (other, otherKey) = await cluster.CreateTenantAsync();
            await Task.WhenAll(
                cluster.DeployGuestAsync(key, "cgi", "cgi", """{"http": {"public": true}, "env": {"MODE": "test", "REQUEST_METHOD": "configured"}, "args": ["--flag"]}"""),
                cluster.DeployGuestAsync(key, "private", "cgi", """{"http": {"public": false}}"""),
                cluster.DeployGuestAsync(key, "plain", "cgi"),
                cluster.DeployGuestAsync(key, "fuel", "cgi", """{"http": {"public": true}, "fuel": 100000}"""),
                cluster.DeployGuestAsync(key, "slow", "cgi", """{"http": {"public": true}, "fuel": 1000000000000, "timeoutMs": 300}"""),
                cluster.DeployAsync(key, "raw", ApiCalls.ModuleForm(new StringContent(GuestWat.Echo, Encoding.UTF8, "text/plain"), "echo.wat", Public)),
                cluster.DeployGuestAsync(otherKey, "theirs", "cgi", """{"http": {"public": false}}"""));
            // ver: version 1 serves HTTP, version 2 (latest) does not; the alias stable points at 1.
            await cluster.DeployGuestAsync(key, "ver", "cgi", Public);
            await cluster.DeployGuestAsync(key, "ver", "cgi");
            using var client = cluster.Client(key);
            using var alias = await client.PutAsJsonAsync("/v1/functions/ver/aliases/stable", new { version = 1 }).Within();
            Assert.Equal(HttpStatusCode.OK, alias.StatusCode);
            return new Setup(cluster, tenant, key, other, otherKey);
        });
    }

    private static Task<HttpAnswer> Raw(Setup s, string cgiOutput, string? host = null) =>
        HttpTriggerClient.PostAsync(s.Rest, host is null ? $"/fn/{s.Tenant}/raw/" : "/", cgiOutput, host);

    [Theory]
    [InlineData("GET")]
    [InlineData("POST")]
    [InlineData("PUT")]
    [InlineData("PATCH")]
    [InlineData("DELETE")]
    [InlineData("OPTIONS")]
    [InlineData("PURGE")]
    public async Task Http_EveryMethod_FunctionSeesMethodAndBody(string method)
    {
        var s = await SetupAsync();

        var answer = await HttpTriggerClient.SendAsync(s.Rest, new HttpMethod(method), $"/fn/{s.Tenant}/cgi/x", content: new StringContent("payload-" + method));

        var dump = answer.Dump();
        Assert.Equal(method, answer.Header("X-Cgi-Method"));
        Assert.Equal(method, dump["REQUEST_METHOD"]);
        Assert.Equal("payload-" + method, dump.Stdin);
        Assert.Equal(("payload-" + method).Length.ToString(System.Globalization.CultureInfo.InvariantCulture), dump["CONTENT_LENGTH"]);
        _ = answer.InvocationId;
    }

    [Fact]
    public async Task Http_Head_AnswersHeadersWithoutBody()
    {
        var s = await SetupAsync();

        var answer = await HttpTriggerClient.SendAsync(s.Rest, HttpMethod.Head, $"/fn/{s.Tenant}/cgi/");

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal("HEAD", answer.Header("X-Cgi-Method"));
        Assert.Empty(answer.Body);
    }

    [Theory]
    [InlineData("/a%20b/c%2Fd", "?x=1&y=%20z&x=2", "/a b/c/d")]
    [InlineData("/a/../b/./c", "", "/a/../b/./c")]
    [InlineData("", "", "/")]
    [InlineData("/", "?", "/")]
    [InlineData("/caf%C3%A9/", "?q=%E2%9C%93&empty=&flag", "/café/")]
    public async Task Http_PathForm_PathAndQueryPassedThroughExactly(string path, string query, string pathInfo)
    {
        var s = await SetupAsync();

        var dump = (await HttpTriggerClient.GetAsync(s.Rest, $"/fn/{s.Tenant}/cgi{path}{query}")).Dump();

        Assert.Equal(pathInfo, dump["PATH_INFO"]);
        Assert.Equal(path.Length == 0 ? "/" : path, dump["X_RAW_PATH_INFO"]);
        Assert.Equal(query.TrimStart('?'), dump["QUERY_STRING"]);
        Assert.Equal($"/fn/{s.Tenant}/cgi", dump["SCRIPT_NAME"]);
        Assert.Equal(new[] { "cgi", "--flag" }, dump.Args);
    }

    [Fact]
    public async Task Http_HostForm_FunctionSeesWholePath()
    {
        var s = await SetupAsync();

        var dump = (await HttpTriggerClient.GetAsync(s.Rest, "/v1/functions/%41/../x?a=b", host: s.Host("cgi"))).Dump();

        Assert.Equal("/v1/functions/A/../x", dump["PATH_INFO"]);
        Assert.Equal("/v1/functions/%41/../x", dump["X_RAW_PATH_INFO"]);
        Assert.Equal("a=b", dump["QUERY_STRING"]);
        Assert.Equal("", dump["SCRIPT_NAME"]);
        Assert.Equal(s.Host("cgi"), dump["SERVER_NAME"]);
        Assert.Equal(s.Host("cgi") + ":" + s.Rest.Port, dump["HTTP_HOST"]);
    }

    [Fact]
    public async Task Http_RequestHeaders_BecomeCgiVariablesWithoutHopByHopOrKey()
    {
        var s = await SetupAsync();

        var answer = await HttpTriggerClient.SendAsync(
            s.Rest,
            HttpMethod.Post,
            $"/fn/{s.Tenant}/cgi/h?q=1",
            key: s.Key,
            content: new StringContent("{}", Encoding.UTF8, "application/json"),
            configure: request =>
            {
                request.Headers.Add("X-Custom-Thing", ["one", "two"]);
                request.Headers.Add("X-Hop", "secret");
                request.Headers.Connection.Add("X-Hop");
                request.Headers.Add("Platform-Worker", "spoofed");
                request.Headers.Add("Cookie", "a=1");
            });

        var dump = answer.Dump();
        Assert.Equal("one, two", dump["HTTP_X_CUSTOM_THING"]);
        Assert.Equal("spoofed", dump["HTTP_PLATFORM_WORKER"]);
        Assert.Equal("a=1", dump["HTTP_COOKIE"]);
        Assert.Null(dump["HTTP_AUTHORIZATION"]);
        Assert.Null(dump["HTTP_X_HOP"]);
        Assert.Null(dump["HTTP_CONNECTION"]);
        Assert.Null(dump["HTTP_CONTENT_TYPE"]);
        Assert.Equal("application/json; charset=utf-8", dump["CONTENT_TYPE"]);
        Assert.Equal("2", dump["CONTENT_LENGTH"]);
        Assert.Equal("CGI/1.1", dump["GATEWAY_INTERFACE"]);
        Assert.Equal("HTTP/1.1", dump["SERVER_PROTOCOL"]);
        Assert.Equal(s.Rest.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), dump["SERVER_PORT"]);
        Assert.Equal("127.0.0.1", dump["REMOTE_ADDR"]);
        Assert.Equal($"/fn/{s.Tenant}/cgi/h?q=1", dump["REQUEST_URI"]);
        // The request's variables win over configured ones; PLATFORM_* are the platform's.
        Assert.Equal("POST", dump["REQUEST_METHOD"]);
        Assert.Equal("test", dump["MODE"]);
        Assert.Equal(s.Tenant, dump["PLATFORM_TENANT"]);
        Assert.Equal("cgi", dump["PLATFORM_FUNCTION"]);
        Assert.Equal("1", dump["PLATFORM_VERSION"]);
        Assert.Equal(answer.InvocationId, dump["PLATFORM_INVOCATION_ID"]);
    }

    [Fact]
    public async Task Http_ResponseHeaders_PassThroughExceptPlatformOwnedAndHopByHop()
    {
        var s = await SetupAsync();
        const string output = "Status: 201 Created\r\nContent-Type: text/csv\r\nX-Out: 1\r\nX-Out: 2\r\nPlatform-Worker: fake\r\nConnection: close\r\nContent-Length: 99\r\nSet-Cookie: a=b\r\nCache-Control: max-age=60\r\n\r\nbody";

        var path = await Raw(s, output);
        var host = await Raw(s, output, s.Host("raw"));

        foreach (var answer in new[] { path, host })
        {
            Assert.Equal(HttpStatusCode.Created, answer.Status);
            Assert.Equal("Created", answer.Reason);
            Assert.Equal("body", answer.Text);
            Assert.Equal("text/csv", answer.Header("Content-Type"));
            Assert.Equal("4", answer.Header("Content-Length"));
            Assert.Equal(new[] { "1", "2" }, answer.Headers["X-Out"]);
            Assert.Equal("max-age=60", answer.Header("Cache-Control"));
            Assert.Null(answer.Header("Platform-Worker"));
            Assert.Null(answer.Header("Connection"));
            _ = answer.InvocationId;
        }

        // The path form shares one origin among every function: no function sets its cookies.
        Assert.Null(path.Header("Set-Cookie"));
        Assert.Equal("a=b", host.Header("Set-Cookie"));
    }

    [Fact]
    public async Task Http_StatusHeader_SetsStatusAndReason()
    {
        var s = await SetupAsync();

        var answer = await Raw(s, "Status: 404 Nothing Here\nContent-Type: text/plain\n\nnope");

        Assert.Equal(HttpStatusCode.NotFound, answer.Status);
        Assert.Equal("Nothing Here", answer.Reason);
        Assert.Equal("nope", answer.Text);
        Assert.Equal("text/plain", answer.Header("Content-Type"));
    }

    [Fact]
    public async Task Http_LocationWithoutStatus_Is302()
    {
        var s = await SetupAsync();

        var answer = await Raw(s, "Location: /elsewhere?x=1\n\n");

        Assert.Equal(HttpStatusCode.Found, answer.Status);
        Assert.Equal("/elsewhere?x=1", answer.Header("Location"));
        Assert.Empty(answer.Body);
    }

    [Fact]
    public async Task Http_StatusOnly_NoContentHasNoBody()
    {
        var s = await SetupAsync();

        var answer = await Raw(s, "Status: 204\n");

        Assert.Equal(HttpStatusCode.NoContent, answer.Status);
        Assert.Empty(answer.Body);
    }

    [Theory]
    [InlineData("X-Only: 1\n\nbody", "no Content-Type, Location or Status")]
    [InlineData("this is not a CGI response", "does not end its header lines")]
    [InlineData("garbage\nContent-Type: text/plain\n\n", "line 1 is not 'Name: value'")]
    [InlineData("", "no Content-Type, Location or Status")]
    [InlineData("Content-Type: text/plain\nX-Bad: a\rb\n\n", "line 2")]
    [InlineData("Content-Type: text/plain\nX-Bad: a\u0000b\n\n", "line 2")]
    [InlineData("Content-Type: text/plain\nX Bad: a\n\n", "line 2")]
    [InlineData("Status: 99\nContent-Type: text/plain\n\n", "'Status: 99'")]
    [InlineData("Status: 200\nStatus: 201\n\n", "more than one Status")]
    public async Task Http_MalformedCgiOutput_Is502(string output, string detail)
    {
        var s = await SetupAsync();

        var answer = await Raw(s, output);

        var problem = answer.AssertProblem(HttpStatusCode.BadGateway, "INVALID_RESPONSE");
        Assert.Contains(detail, problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Http_OneMegabyteHeaderFlood_Is502()
    {
        var s = await SetupAsync();

        var answer = await HttpTriggerClient.GetAsync(s.Rest, $"/fn/{s.Tenant}/cgi/flood");

        var problem = answer.AssertProblem(HttpStatusCode.BadGateway, "INVALID_RESPONSE");
        Assert.Contains("header block is larger than 65536 bytes", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.True(answer.Headers.Keys.All(name => !name.StartsWith("X-Flood", StringComparison.OrdinalIgnoreCase)));
    }

    [Fact]
    public async Task Http_PublicFalse_NeedsTheTenantsKeyInBothForms()
    {
        var s = await SetupAsync();

        foreach (var (target, host) in new[] { ($"/fn/{s.Tenant}/private/p", (string?)null), ("/p", s.Host("private")) })
        {
            var anonymous = await HttpTriggerClient.GetAsync(s.Rest, target, host);
            anonymous.AssertProblem(HttpStatusCode.Unauthorized, "UNAUTHENTICATED");
            Assert.Equal("Bearer", anonymous.Header("WWW-Authenticate"));

            var wrongKey = await HttpTriggerClient.GetAsync(s.Rest, target, host, key: "pk_not-a-key");
            wrongKey.AssertProblem(HttpStatusCode.Unauthorized, "UNAUTHENTICATED");

            var owner = await HttpTriggerClient.GetAsync(s.Rest, target, host, key: s.Key);
            Assert.Equal("/p", owner.Dump()["PATH_INFO"]);

            var otherTenant = await HttpTriggerClient.GetAsync(s.Rest, target, host, key: s.OtherKey);
            otherTenant.AssertProblem(HttpStatusCode.NotFound, "NOT_FOUND");

            var admin = await HttpTriggerClient.GetAsync(s.Rest, target, host, key: PlatformTestHost.DefaultAdminKey);
            admin.AssertProblem(HttpStatusCode.NotFound, "NOT_FOUND");
        }
    }

    [Fact]
    public async Task Http_PublicTrue_AdmitsAnyoneWithOrWithoutKey()
    {
        var s = await SetupAsync();

        Assert.Equal("/", (await HttpTriggerClient.GetAsync(s.Rest, $"/fn/{s.Tenant}/cgi/")).Dump()["PATH_INFO"]);
        Assert.Equal("/", (await HttpTriggerClient.GetAsync(s.Rest, "/", s.Host("cgi"), key: s.OtherKey)).Dump()["PATH_INFO"]);
        Assert.Equal("/", (await HttpTriggerClient.GetAsync(s.Rest, "/", s.Host("cgi"), key: "pk_not-a-key")).Dump()["PATH_INFO"]);
    }

    [Fact]
    public async Task Http_AnotherTenantsOrMissingOrNonHttpFunction_SameNotFoundInBothForms()
    {
        var s = await SetupAsync();
        var theirs = (Path: $"/fn/{s.OtherTenant}/theirs/", Host: $"theirs.{s.OtherTenant}.{TestCluster.BaseDomain}");
        var cases = new[]
        {
            theirs,
            (Path: $"/fn/{s.Tenant}/plain/", Host: s.Host("plain")),
            (Path: $"/fn/{s.Tenant}/missing/", Host: s.Host("missing")),
            (Path: $"/fn/{s.Tenant}/cgi@9/", Host: $"cgi--9.{s.Tenant}.{TestCluster.BaseDomain}"),
            (Path: $"/fn/no-such-tenant-x/cgi/", Host: $"cgi.no-such-tenant-x.{TestCluster.BaseDomain}"),
            (Path: $"/fn/{s.Tenant}/Bad_Name/", Host: $"bad_name.{s.Tenant}.{TestCluster.BaseDomain}"),
        };

        var details = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (path, host) in cases)
        {
            foreach (var answer in new[] { await HttpTriggerClient.GetAsync(s.Rest, path, key: s.Key), await HttpTriggerClient.GetAsync(s.Rest, "/", host, key: s.Key) })
            {
                var problem = answer.AssertProblem(HttpStatusCode.NotFound, "NOT_FOUND");
                details.Add(problem["detail"]!.GetValue<string>());
            }

            // Without a key nothing tells them apart either: each asks for one.
            (await HttpTriggerClient.GetAsync(s.Rest, path)).AssertProblem(HttpStatusCode.Unauthorized, "UNAUTHENTICATED");
        }

        Assert.Single(details);

        // Their owner reaches the key-protected one.
        var owner = await HttpTriggerClient.GetAsync(s.Rest, "/", theirs.Host, key: s.OtherKey);
        Assert.Equal(s.OtherTenant, owner.Dump()["PLATFORM_TENANT"]);
    }

    [Fact]
    public async Task Http_VersionAndAlias_EachVersionsConfigDecidesInBothForms()
    {
        var s = await SetupAsync();

        foreach (var reference in new[] { "1", "stable" })
        {
            var path = await HttpTriggerClient.GetAsync(s.Rest, $"/fn/{s.Tenant}/ver@{reference}/v");
            Assert.Equal("1", path.Dump()["PLATFORM_VERSION"]);
            Assert.Equal($"/fn/{s.Tenant}/ver@{reference}", path.Dump()["SCRIPT_NAME"]);
            var encoded = await HttpTriggerClient.GetAsync(s.Rest, $"/fn/{s.Tenant}/ver%40{reference}/v");
            Assert.Equal("1", encoded.Dump()["PLATFORM_VERSION"]);
            var host = await HttpTriggerClient.GetAsync(s.Rest, "/v", $"ver--{reference}.{s.Tenant}.{TestCluster.BaseDomain}");
            Assert.Equal("1", host.Dump()["PLATFORM_VERSION"]);
        }

        // latest (version 2) has no http config.
        (await HttpTriggerClient.GetAsync(s.Rest, $"/fn/{s.Tenant}/ver/", key: s.Key)).AssertProblem(HttpStatusCode.NotFound, "NOT_FOUND");
        (await HttpTriggerClient.GetAsync(s.Rest, "/", s.Host("ver"), key: s.Key)).AssertProblem(HttpStatusCode.NotFound, "NOT_FOUND");
        (await HttpTriggerClient.GetAsync(s.Rest, $"/fn/{s.Tenant}/ver@2/", key: s.Key)).AssertProblem(HttpStatusCode.NotFound, "NOT_FOUND");
    }

    [Theory]
    [InlineData("cgi", "/exit", HttpStatusCode.InternalServerError, "EXIT_NONZERO")]
    [InlineData("cgi", "/trap", HttpStatusCode.InternalServerError, "TRAP")]
    [InlineData("fuel", "/spin", HttpStatusCode.InternalServerError, "OUT_OF_FUEL")]
    [InlineData("slow", "/spin", HttpStatusCode.GatewayTimeout, "TIMEOUT")]
    public async Task Http_FunctionFailure_ShortProblemWithStatus(string function, string path, HttpStatusCode status, string code)
    {
        var s = await SetupAsync();

        var answer = await HttpTriggerClient.GetAsync(s.Rest, $"/fn/{s.Tenant}/{function}{path}");

        var problem = answer.AssertProblem(status, code);
        Assert.Equal(answer.InvocationId, problem["invocationId"]!.GetValue<string>());
        Assert.Equal($"the function failed: {code}", problem["detail"]!.GetValue<string>());
        Assert.Null(problem["worker"]);
        Assert.Null(problem["exitCode"]);
    }

    [Fact]
    public async Task Http_BodyOverInputQuota_Is413WithoutReadingIt()
    {
        var s = await SetupAsync();
        var target = $"/fn/{s.Tenant}/cgi/";

        var declared = await HttpTriggerClient.SendAsync(s.Rest, HttpMethod.Post, target, content: new ByteArrayContent(new byte[MaxInputBytes + 1]));
        declared.AssertProblem(HttpStatusCode.RequestEntityTooLarge, "PAYLOAD_TOO_LARGE");

        var streamed = await UnfinishedChunkedPostAsync(s.Rest, target, bytes: MaxInputBytes + (32 * 1024));
        Assert.StartsWith("HTTP/1.1 413 ", streamed, StringComparison.Ordinal);
        Assert.Contains("Platform-Invocation-Id: ", streamed, StringComparison.Ordinal);

        var exact = await HttpTriggerClient.SendAsync(s.Rest, HttpMethod.Post, target, content: new ByteArrayContent(new byte[MaxInputBytes]));
        Assert.Equal(MaxInputBytes, exact.Dump().Stdin.Length);
    }

    [Fact]
    public async Task Http_Limits_RateAndConcurrencyAre429WithRetryAfter()
    {
        var cluster = await environment.SharedClusterAsync();
        var (tenant, key) = await cluster.CreateTenantAsync(new { invocationsPerSecond = 1, burst = 5, maxConcurrency = 1, maxFuel = 1_000_000_000_000 });
        await cluster.DeployGuestAsync(key, "slow", "cgi", """{"http": {"public": true}, "fuel": 1000000000000, "timeoutMs": 1500}""");
        var rest = cluster.ControlPlane.RestUri;

        var running = HttpTriggerClient.GetAsync(rest, $"/fn/{tenant}/slow/spin");
        HttpAnswer? concurrent = null;
        for (var attempt = 0; attempt < 20 && concurrent?.Status != HttpStatusCode.TooManyRequests; attempt++)
        {
            await Task.Delay(100);
            concurrent = await HttpTriggerClient.GetAsync(rest, $"/fn/{tenant}/slow/");
        }

        concurrent!.AssertProblem(HttpStatusCode.TooManyRequests, "CONCURRENCY_LIMITED");
        Assert.Equal("1", concurrent.Header("Retry-After"));
        (await running).AssertProblem(HttpStatusCode.GatewayTimeout, "TIMEOUT");

        HttpAnswer limited;
        var sent = 0;
        do
        {
            limited = await HttpTriggerClient.GetAsync(rest, $"/fn/{tenant}/slow/");
        }
        while (limited.Status == HttpStatusCode.OK && ++sent < 50);

        limited.AssertProblem(HttpStatusCode.TooManyRequests, "RATE_LIMITED");
        Assert.True(int.Parse(limited.Header("Retry-After")!, System.Globalization.CultureInfo.InvariantCulture) >= 1);
    }

    [Fact]
    public async Task Http_Invocations_CountedInUsageAndMetricsWithHttpTrigger()
    {
        var cluster = await environment.SharedClusterAsync();
        var (tenant, key) = await cluster.CreateTenantAsync();
        await cluster.DeployGuestAsync(key, "counted", "cgi", Public);
        var measurements = new List<(string Trigger, string Outcome)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == ControlPlaneTelemetry.MeterName && instrument.Name == "platform.invocations")
                l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            var values = tags.ToArray().ToDictionary(t => t.Key, t => t.Value as string);
            if (values.GetValueOrDefault("tenant") == tenant)
            {
                lock (measurements) measurements.Add((values["trigger"]!, values["outcome"]!));
            }
        });
        listener.Start();

        (await HttpTriggerClient.GetAsync(cluster.ControlPlane.RestUri, $"/fn/{tenant}/counted/")).Dump();
        (await HttpTriggerClient.GetAsync(cluster.ControlPlane.RestUri, $"/fn/{tenant}/counted/exit")).AssertProblem(HttpStatusCode.InternalServerError, "EXIT_NONZERO");
        Assert.Equal(HttpStatusCode.OK, (await cluster.InvokeAsync(key, "counted")).Status);

        lock (measurements)
            Assert.Equal(new[] { ("http", "ok"), ("http", "exit_nonzero"), ("invoke", "ok") }, measurements);

        using var client = cluster.Client(key);
        JsonObject? function = null;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            using var response = await client.GetAsync("/v1/usage").Within();
            var usage = await ApiCalls.ReadJsonAsync(response, HttpStatusCode.OK);
            function = usage["functions"]!.AsArray().Select(f => f!.AsObject()).FirstOrDefault(f => f["name"]!.GetValue<string>() == "counted");
            if (function?["invocations"]!.GetValue<long>() == 3) break;
            await Task.Delay(250);
        }

        Assert.NotNull(function);
        Assert.Equal(3, function["invocations"]!.GetValue<long>());
        Assert.Equal(1, function["failures"]!.GetValue<long>());
        Assert.Equal(1, function["outcomes"]!["EXIT_NONZERO"]!.GetValue<long>());
    }

    [Fact]
    public async Task FunctionGet_HttpFunction_ShowsUrlsOfBothForms()
    {
        var s = await SetupAsync();
        using var client = s.Cluster.Client(s.Key);
        var origin = s.Rest.GetLeftPart(UriPartial.Authority);

        using var response = await client.GetAsync("/v1/functions/cgi").Within();
        var http = (await ApiCalls.ReadJsonAsync(response, HttpStatusCode.OK))["http"]!.AsObject();
        using var plainResponse = await client.GetAsync("/v1/functions/plain").Within();
        var plain = await ApiCalls.ReadJsonAsync(plainResponse, HttpStatusCode.OK);

        Assert.True(http["public"]!.GetValue<bool>());
        Assert.Equal($"{origin}/fn/{s.Tenant}/cgi/", http["pathUrl"]!.GetValue<string>());
        Assert.Equal($"http://cgi.{s.Tenant}.localhost:{s.Rest.Port}/", http["hostUrl"]!.GetValue<string>());
        Assert.Equal(
            new[] { $"{origin}/fn/{s.Tenant}/cgi@{{ref}}/", $"http://cgi--{{ref}}.{s.Tenant}.localhost:{s.Rest.Port}/" },
            http["versionUrls"]!.AsArray().Select(u => u!.GetValue<string>()));
        Assert.False(plain.ContainsKey("http"));
        Assert.Equal("/", (await HttpTriggerClient.GetAsync(s.Rest, new Uri(http["pathUrl"]!.GetValue<string>()).AbsolutePath)).Dump()["PATH_INFO"]);
    }

    [Fact]
    public async Task ApiExample_HealthComputeAndNotFound_AnswerJson()
    {
        var cluster = await environment.SharedClusterAsync();
        var (tenant, key) = await cluster.CreateTenantAsync();
        await cluster.DeployGuestAsync(key, "api", "api", Public);
        var rest = cluster.ControlPlane.RestUri;
        var host = $"api.{tenant}.{TestCluster.BaseDomain}";

        var health = await HttpTriggerClient.GetAsync(rest, "/api/health", host);
        var compute = await HttpTriggerClient.PostAsync(rest, $"/fn/{tenant}/api/api/compute", """{"n": 50}""");
        var bad = await HttpTriggerClient.PostAsync(rest, "/api/compute", """{"m": 1}""", host);
        var wrongMethod = await HttpTriggerClient.GetAsync(rest, "/api/compute", host);
        var missing = await HttpTriggerClient.GetAsync(rest, "/api/nothing", host);

        Assert.Equal(HttpStatusCode.OK, health.Status);
        Assert.Equal("application/json", health.Header("Content-Type"));
        Assert.Equal("ok", JsonNode.Parse(health.Text)!["status"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, compute.Status);
        Assert.Equal(12586269025L, JsonNode.Parse(compute.Text)!["fibonacci"]!.GetValue<long>());
        Assert.Equal(50, JsonNode.Parse(compute.Text)!["n"]!.GetValue<int>());
        Assert.Equal(HttpStatusCode.BadRequest, bad.Status);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, wrongMethod.Status);
        Assert.Equal("POST", wrongMethod.Header("Allow"));
        Assert.Equal(HttpStatusCode.NotFound, missing.Status);
        Assert.Equal("not found", JsonNode.Parse(missing.Text)!["error"]!.GetValue<string>());
    }

    [Fact]
    public async Task Http_NoWorker_Is503()
    {
        await using var cluster = await TestCluster.StartAsync(environment.Postgres, workers: 0);
        var (tenant, key) = await cluster.CreateTenantAsync();
        using (var content = ApiCalls.ModuleForm(new StringContent(GuestWat.Echo, Encoding.UTF8, "text/plain"), "echo.wat", Public))
            await cluster.DeployAsync(key, "lonely", content);

        var answer = await HttpTriggerClient.GetAsync(cluster.ControlPlane.RestUri, "/", $"lonely.{tenant}.{TestCluster.BaseDomain}");

        answer.AssertProblem(HttpStatusCode.ServiceUnavailable, "UNAVAILABLE");
    }

    /// <summary>
    /// Sends a chunked body of <paramref name="bytes"/> and never its last chunk, then reads the
    /// answer's head: an answer at all shows the server neither waited for the whole body nor read
    /// it beyond the limit.
    /// </summary>
    private static async Task<string> UnfinishedChunkedPostAsync(Uri rest, string target, int bytes)
    {
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(rest.Host, rest.Port).Within();
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"POST {target} HTTP/1.1\r\nHost: {rest.Authority}\r\nTransfer-Encoding: chunked\r\n\r\n")).AsTask().Within();
        var chunk = new byte[16 * 1024];
        for (var sent = 0; sent < bytes; sent += chunk.Length)
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes($"{chunk.Length:x}\r\n")).AsTask().Within();
            await stream.WriteAsync(chunk).AsTask().Within();
            await stream.WriteAsync("\r\n"u8.ToArray()).AsTask().Within();
        }

        var head = new StringBuilder();
        var buffer = new byte[4096];
        while (!head.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            var read = await stream.ReadAsync(buffer).AsTask().Within();
            if (read == 0) break;
            head.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }

        return head.ToString();
    }
}
