using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;

namespace Platform.ControlPlane.Tests;

public sealed class FunctionApiTests(PostgresFixture postgres) : ControlPlaneTest(postgres)
{
    [Fact]
    public async Task Deploy_WatText_Returns201WithBinaryHashAndEmptyConfig()
    {
        var (_, key) = await CreateTenantAsync();
        using var client = Host.CreateClient(key);
        using var response = await client.PutAsync("/v1/functions/hello", Wat(Modules.Hello)).Within();
        var body = await ReadJsonAsync(response, HttpStatusCode.Created);

        Assert.Equal("hello", body["name"]!.GetValue<string>());
        Assert.Equal(1, body["version"]!.GetValue<int>());
        Assert.Equal("/v1/functions/hello/versions/1/module", response.Headers.Location?.ToString());
        var sha = body["sha256"]!.GetValue<string>();
        Assert.Matches("^[0-9a-f]{64}$", sha);

        // The stored module is the binary form of the WAT; its hash and size are reported.
        using var download = await client.GetAsync("/v1/functions/hello/versions/1/module").Within();
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal("application/wasm", download.Content.Headers.ContentType?.MediaType);
        var bytes = await download.Content.ReadAsByteArrayAsync().Within();
        Assert.Equal("\0asm"u8.ToArray(), bytes[..4]);
        Assert.Equal(sha, Sha256Hex(bytes));
        Assert.Equal(bytes.Length, body["sizeBytes"]!.GetValue<long>());
        Assert.Equal($"\"{sha}\"", download.Headers.ETag?.ToString());
        Assert.Equal("1", download.Headers.GetValues("X-Platform-Version").Single());

        var config = body["config"]!.AsObject();
        Assert.Empty(config["env"]!.AsObject());
        Assert.Empty(config["args"]!.AsArray());
        Assert.Null(config["fuel"]);
    }

    [Fact]
    public async Task Deploy_BinaryWasm_SameBytesSameHash_NextVersion()
    {
        var (_, key) = await CreateTenantAsync();
        var first = await DeployAsync(key, "bin");
        using var client = Host.CreateClient(key);
        var bytes = await client.GetByteArrayAsync("/v1/functions/bin/versions/latest/module").Within();

        using var response = await client.PutAsync("/v1/functions/bin", Wasm(bytes)).Within();
        var second = await ReadJsonAsync(response, HttpStatusCode.Created);
        Assert.Equal(2, second["version"]!.GetValue<int>());
        Assert.Equal(first["sha256"]!.GetValue<string>(), second["sha256"]!.GetValue<string>());
        Assert.Equal(1L, await Database.ScalarAsync<long>("SELECT count(*) FROM modules").Within());
        Assert.Equal(2L, await Database.ScalarAsync<long>("SELECT count(*) FROM function_versions").Within());
    }

    [Fact]
    public async Task Deploy_OctetStreamAndNoContentType_Accepted()
    {
        var (_, key) = await CreateTenantAsync();
        using var client = Host.CreateClient(key);
        var octet = new ByteArrayContent(Encoding.UTF8.GetBytes(Modules.Hello));
        octet.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var first = await client.PutAsync("/v1/functions/octet", octet).Within();
        await ReadJsonAsync(first, HttpStatusCode.Created);
        using var bare = await client.PutAsync("/v1/functions/octet", new ByteArrayContent(Encoding.UTF8.GetBytes(Modules.Other))).Within();
        Assert.Equal(2, (await ReadJsonAsync(bare, HttpStatusCode.Created))["version"]!.GetValue<int>());
    }

    [Fact]
    public async Task Deploy_MultipartWithConfig_PinsConfigToVersion()
    {
        var (_, key) = await CreateTenantAsync();
        using var client = Host.CreateClient(key);
        const string config = """{ "env": { "GREETING": "hi", "EMPTY": "" }, "args": ["--fast", "x y"], "fuel": 5000, "memoryMb": 16, "timeoutMs": 250 }""";
        using var response = await client.PutAsync("/v1/functions/configured", Multipart(Modules.Hello, config)).Within();
        var body = await ReadJsonAsync(response, HttpStatusCode.Created);
        var returned = body["config"]!.AsObject();
        Assert.Equal("hi", returned["env"]!["GREETING"]!.GetValue<string>());
        Assert.Equal("", returned["env"]!["EMPTY"]!.GetValue<string>());
        Assert.Equal(["--fast", "x y"], returned["args"]!.AsArray().Select(a => a!.GetValue<string>()));
        Assert.Equal(5000, returned["fuel"]!.GetValue<long>());
        Assert.Equal(16, returned["memoryMb"]!.GetValue<int>());
        Assert.Equal(250, returned["timeoutMs"]!.GetValue<int>());

        // A later version without config does not inherit it; the first keeps its own.
        await DeployAsync(key, "configured", Modules.Other);
        using var get = await client.GetAsync("/v1/functions/configured").Within();
        var versions = (await ReadJsonAsync(get, HttpStatusCode.OK))["versions"]!.AsArray();
        Assert.Equal(5000, versions[0]!["config"]!["fuel"]!.GetValue<long>());
        Assert.Null(versions[1]!["config"]!["fuel"]);
        Assert.Empty(versions[1]!["config"]!["env"]!.AsObject());
    }

    [Fact]
    public async Task Deploy_MultipartWithoutConfig_UsesEmptyConfig()
    {
        var (_, key) = await CreateTenantAsync();
        using var client = Host.CreateClient(key);
        using var response = await client.PutAsync("/v1/functions/noconfig", Multipart(Modules.Hello, null)).Within();
        var body = await ReadJsonAsync(response, HttpStatusCode.Created);
        Assert.Empty(body["config"]!["env"]!.AsObject());
    }

    [Fact]
    public async Task Deploy_MultipartWithoutModule_Returns400()
    {
        var (_, key) = await CreateTenantAsync();
        using var client = Host.CreateClient(key);
        using var form = new MultipartFormDataContent { { new StringContent("{}", Encoding.UTF8, "application/json"), "config" } };
        using var response = await client.PutAsync("/v1/functions/nomodule", form).Within();
        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "INVALID_ARGUMENT", "module");
    }

    [Fact]
    public async Task Deploy_MultipartUnknownPart_Returns400()
    {
        var (_, key) = await CreateTenantAsync();
        using var client = Host.CreateClient(key);
        using var form = Multipart(Modules.Hello, null);
        form.Add(new StringContent("x"), "extra");
        using var response = await client.PutAsync("/v1/functions/extra", form).Within();
        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "INVALID_ARGUMENT", "extra");
    }

    [Theory]
    [InlineData("""{ "fuel": 1000000001 }""", "config.fuel")]
    [InlineData("""{ "memoryMb": 65 }""", "config.memoryMb")]
    [InlineData("""{ "timeoutMs": 5001 }""", "config.timeoutMs")]
    [InlineData("""{ "fuel": 0 }""", "config.fuel")]
    [InlineData("""{ "memoryMb": -1 }""", "config.memoryMb")]
    [InlineData("""{ "env": { "A=B": "x" } }""", "config.env")]
    [InlineData("""{ "env": { "A\u0000": "x" } }""", "config.env")]
    [InlineData("""{ "env": { "": "x" } }""", "config.env")]
    [InlineData("""{ "env": { "PLATFORM_TENANT": "spoof" } }""", "config.env")]
    [InlineData("""{ "env": { "A": null } }""", "config.env")]
    [InlineData("""{ "env": { "A": 1 } }""", "config.env.A")]
    [InlineData("""{ "args": [null] }""", "config.args[0]")]
    [InlineData("""{ "args": "not-an-array" }""", "config.args")]
    [InlineData("""{ "timeout": 10 }""", "config.timeout")]
    [InlineData("""{ "fuel": "10" }""", "config.fuel")]
    [InlineData("""{ "fuel": """, "config.fuel")]
    [InlineData("""[]""", "config")]
    public async Task Deploy_InvalidConfig_Returns400NamingField(string config, string field)
    {
        var (_, key) = await CreateTenantAsync();
        using var client = Host.CreateClient(key);
        using var response = await client.PutAsync("/v1/functions/badconfig", Multipart(Modules.Hello, config)).Within();
        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "INVALID_ARGUMENT", field);
        using var get = await client.GetAsync("/v1/functions/badconfig").Within();
        await AssertProblemAsync(get, HttpStatusCode.NotFound, "NOT_FOUND");
    }

    [Fact]
    public async Task Deploy_ConfigLimitAtTenantQuota_Accepted_AboveLoweredQuota_Rejected()
    {
        var (tenant, key) = await CreateTenantAsync(quotas: new { maxFuel = 100, maxMemoryMb = 8, maxTimeoutMs = 50 });
        using var client = Host.CreateClient(key);
        using var ok = await client.PutAsync("/v1/functions/limits", Multipart(Modules.Hello, """{"fuel":100,"memoryMb":8,"timeoutMs":50}""")).Within();
        await ReadJsonAsync(ok, HttpStatusCode.Created);
        using var over = await client.PutAsync("/v1/functions/limits", Multipart(Modules.Hello, """{"fuel":101}""")).Within();
        var problem = await AssertProblemAsync(over, HttpStatusCode.BadRequest, "INVALID_ARGUMENT", "config.fuel");
        Assert.Contains("maxFuel", problem["detail"]!.GetValue<string>());
        Assert.NotNull(tenant);
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("empty")]
    [InlineData("evil-import")]
    [InlineData("broken-wat")]
    [InlineData("truncated-binary")]
    [InlineData("no-start")]
    public async Task Deploy_InvalidModule_Returns400InvalidModule(string kind)
    {
        var (_, key) = await CreateTenantAsync();
        using var client = Host.CreateClient(key);
        HttpContent content = kind switch
        {
            "garbage" => Wasm(Modules.Garbage),
            "empty" => Wasm([]),
            "evil-import" => Wat(Modules.EvilImport),
            "broken-wat" => Wat(Modules.BrokenWat),
            "truncated-binary" => Wasm([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05]),
            "no-start" => Wat("(module (memory (export \"memory\") 1))"),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
        using var response = await client.PutAsync("/v1/functions/invalid", content).Within();
        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest, "INVALID_MODULE");
        Assert.DoesNotContain("   at ", problem["detail"]!.GetValue<string>());
        Assert.Equal(0L, await Database.ScalarAsync<long>("SELECT count(*) FROM functions").Within());
        Assert.Equal(0L, await Database.ScalarAsync<long>("SELECT count(*) FROM modules").Within());
    }

    [Fact]
    public async Task Deploy_EvilImport_ErrorNamesTheImport()
    {
        var (_, key) = await CreateTenantAsync();
        using var client = Host.CreateClient(key);
        using var response = await client.PutAsync("/v1/functions/evil", Wat(Modules.EvilImport)).Within();
        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest, "INVALID_MODULE");
        Assert.Contains("evil", problem["detail"]!.GetValue<string>());
    }

    [Fact]
    public async Task Deploy_UnsupportedContentType_Returns400()
    {
        var (_, key) = await CreateTenantAsync();
        using var client = Host.CreateClient(key);
        using var response = await client.PutAsync("/v1/functions/json", Json("{}")).Within();
        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "INVALID_ARGUMENT", "Content-Type");
    }

    [Fact]
    public async Task Deploy_ContentLengthOverModuleQuota_Returns413WithoutReading()
    {
        var (_, key) = await CreateTenantAsync(quotas: new { maxModuleBytes = 1024 });
        using var client = Host.CreateClient(key);
        using var request = new HttpRequestMessage(HttpMethod.Put, "/v1/functions/big") { Content = Wasm(new byte[4096]) };
        request.Headers.ExpectContinue = true;
        using var response = await client.SendAsync(request).Within();
        var problem = await AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, "PAYLOAD_TOO_LARGE", "module");
        Assert.Contains("1024", problem["detail"]!.GetValue<string>());
    }

    [Fact]
    public async Task Deploy_ChunkedBodyOverModuleQuota_Returns413()
    {
        var (_, key) = await CreateTenantAsync(quotas: new { maxModuleBytes = 1024 });
        using var client = Host.CreateClient(key);
        var content = new StreamContent(new NoLengthStream(new byte[3000]));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/wasm");
        using var request = new HttpRequestMessage(HttpMethod.Put, "/v1/functions/chunked") { Content = content };
        request.Headers.TransferEncodingChunked = true;
        using var response = await client.SendAsync(request).Within();
        await AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, "PAYLOAD_TOO_LARGE", "module");
    }

    [Fact]
    public async Task Deploy_MultipartModuleOverQuota_Returns413()
    {
        var (_, key) = await CreateTenantAsync(quotas: new { maxModuleBytes = 1024 });
        using var client = Host.CreateClient(key);
        using var form = Multipart(Modules.Hello + new string(' ', 2000), null);
        using var response = await client.PutAsync("/v1/functions/multibig", form).Within();
        await AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, "PAYLOAD_TOO_LARGE", "module");
    }

    [Fact]
    public async Task Deploy_ModuleOverGlobalBodyLimitButUnderQuota_Accepted()
    {
        // 3 MiB of WAT: above Platform:MaxRequestBodyBytes (1 MiB), below the default maxModuleBytes (32 MiB).
        var large = Modules.Hello + new string(' ', 3 << 20);
        var (_, key) = await CreateTenantAsync();
        using var client = Host.CreateClient(key);
        using var raw = await client.PutAsync("/v1/functions/large", Wat(large)).Within();
        await ReadJsonAsync(raw, HttpStatusCode.Created);
        using var multipart = await client.PutAsync("/v1/functions/large", Multipart(large, """{"fuel": 10}""")).Within();
        Assert.Equal(2, (await ReadJsonAsync(multipart, HttpStatusCode.Created))["version"]!.GetValue<int>());
    }

    [Fact]
    public async Task Deploy_ModuleExactlyAtQuota_Accepted()
    {
        var padded = Modules.Hello + new string(' ', 1024 - Modules.Hello.Length);
        var (_, key) = await CreateTenantAsync(quotas: new { maxModuleBytes = 1024 });
        using var client = Host.CreateClient(key);
        using var response = await client.PutAsync("/v1/functions/exact", Wat(padded)).Within();
        await ReadJsonAsync(response, HttpStatusCode.Created);
    }

    [Fact]
    public async Task Deploy_OverFunctionCountQuota_Returns403QuotaExceeded_RedeployStillWorks()
    {
        var (_, key) = await CreateTenantAsync(quotas: new { maxFunctions = 2 });
        await DeployAsync(key, "one");
        await DeployAsync(key, "two");
        using var client = Host.CreateClient(key);
        using var third = await client.PutAsync("/v1/functions/three", Wat(Modules.Hello)).Within();
        var problem = await AssertProblemAsync(third, HttpStatusCode.Forbidden, "QUOTA_EXCEEDED");
        Assert.Contains("maxFunctions", problem["detail"]!.GetValue<string>());

        var again = await DeployAsync(key, "two", Modules.Other);
        Assert.Equal(2, again["version"]!.GetValue<int>());

        using var delete = await client.DeleteAsync("/v1/functions/one").Within();
        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        var nowFits = await DeployAsync(key, "three");
        Assert.Equal(1, nowFits["version"]!.GetValue<int>());
    }

    [Theory]
    [InlineData("UPPER")]
    [InlineData("-dash")]
    [InlineData("..%2F..%2Fetc%2Fpasswd")]
    [InlineData("..%2F")]
    [InlineData("a%20b")]
    [InlineData("%C3%A9t%C3%A9")]
    [InlineData("under_score")]
    [InlineData("a0123456789012345678901234567890123456789012345678901234567890123")]
    public async Task Deploy_HostileName_Returns400NamingField(string escapedName)
    {
        var (_, key) = await CreateTenantAsync();
        using var client = Host.CreateClient(key);
        using var response = await client.PutAsync($"/v1/functions/{escapedName}", Wat(Modules.Hello)).Within();
        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "INVALID_ARGUMENT", "name");
        using var get = await client.GetAsync($"/v1/functions/{escapedName}").Within();
        await AssertProblemAsync(get, HttpStatusCode.BadRequest, "INVALID_ARGUMENT", "name");
        using var delete = await client.DeleteAsync($"/v1/functions/{escapedName}").Within();
        await AssertProblemAsync(delete, HttpStatusCode.BadRequest, "INVALID_ARGUMENT", "name");
        Assert.Equal(0L, await Database.ScalarAsync<long>("SELECT count(*) FROM functions").Within());
    }

    [Fact]
    public async Task List_ReturnsFunctionsWithLatestVersion()
    {
        var (_, key) = await CreateTenantAsync();
        await DeployAsync(key, "beta");
        await DeployAsync(key, "alpha");
        await DeployAsync(key, "alpha", Modules.Other);
        using var client = Host.CreateClient(key);
        using var response = await client.GetAsync("/v1/functions").Within();
        var functions = (await ReadJsonAsync(response, HttpStatusCode.OK))["functions"]!.AsArray();
        Assert.Equal(["alpha", "beta"], functions.Select(f => f!["name"]!.GetValue<string>()));
        Assert.Equal(2, functions[0]!["latestVersion"]!.GetValue<int>());
        Assert.Equal(1, functions[1]!["latestVersion"]!.GetValue<int>());
    }

    [Fact]
    public async Task Get_ReturnsVersionsAndAliases()
    {
        var (_, key) = await CreateTenantAsync();
        var v1 = await DeployAsync(key, "fn");
        var v2 = await DeployAsync(key, "fn", Modules.Other);
        using var client = Host.CreateClient(key);
        using var alias = await client.PutAsync("/v1/functions/fn/aliases/prod", Json(new { version = 1 })).Within();
        var aliasBody = await ReadJsonAsync(alias, HttpStatusCode.OK);
        Assert.Equal("prod", aliasBody["name"]!.GetValue<string>());
        Assert.Equal("fn", aliasBody["function"]!.GetValue<string>());
        Assert.Equal(1, aliasBody["version"]!.GetValue<int>());

        using var response = await client.GetAsync("/v1/functions/fn").Within();
        var body = await ReadJsonAsync(response, HttpStatusCode.OK);
        Assert.Equal("fn", body["name"]!.GetValue<string>());
        Assert.Equal(2, body["latestVersion"]!.GetValue<int>());
        var versions = body["versions"]!.AsArray();
        Assert.Equal([1, 2], versions.Select(v => v!["version"]!.GetValue<int>()));
        Assert.Equal(v1["sha256"]!.GetValue<string>(), versions[0]!["sha256"]!.GetValue<string>());
        Assert.Equal(v2["sha256"]!.GetValue<string>(), versions[1]!["sha256"]!.GetValue<string>());
        var aliases = body["aliases"]!.AsObject();
        Assert.Equal(2, aliases["latest"]!.GetValue<int>());
        Assert.Equal(1, aliases["prod"]!.GetValue<int>());

        // Download by alias serves the aliased version.
        var prodBytes = await client.GetByteArrayAsync("/v1/functions/fn/versions/prod/module").Within();
        Assert.Equal(v1["sha256"]!.GetValue<string>(), Sha256Hex(prodBytes));
        var latestBytes = await client.GetByteArrayAsync("/v1/functions/fn/versions/latest/module").Within();
        Assert.Equal(v2["sha256"]!.GetValue<string>(), Sha256Hex(latestBytes));
    }

    [Fact]
    public async Task Get_Missing_Returns404()
    {
        var (_, key) = await CreateTenantAsync();
        using var client = Host.CreateClient(key);
        using var response = await client.GetAsync("/v1/functions/ghost").Within();
        var problem = await AssertProblemAsync(response, HttpStatusCode.NotFound, "NOT_FOUND");
        Assert.Contains("ghost", problem["detail"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("3", HttpStatusCode.NotFound, "NOT_FOUND", null)]
    [InlineData("staging", HttpStatusCode.NotFound, "NOT_FOUND", null)]
    [InlineData("0", HttpStatusCode.BadRequest, "INVALID_ARGUMENT", "version")]
    [InlineData("-1", HttpStatusCode.BadRequest, "INVALID_ARGUMENT", "version")]
    [InlineData("99999999999", HttpStatusCode.BadRequest, "INVALID_ARGUMENT", "version")]
    [InlineData("Latest", HttpStatusCode.BadRequest, "INVALID_ARGUMENT", "version")]
    public async Task Download_MissingOrMalformedVersion_ReturnsProblem(string version, HttpStatusCode status, string code, string? field)
    {
        var (_, key) = await CreateTenantAsync();
        await DeployAsync(key, "fn");
        using var client = Host.CreateClient(key);
        using var response = await client.GetAsync($"/v1/functions/fn/versions/{version}/module").Within();
        await AssertProblemAsync(response, status, code, field);
    }

    [Fact]
    public async Task SetAlias_MovesExistingAlias()
    {
        var (_, key) = await CreateTenantAsync();
        await DeployAsync(key, "fn");
        await DeployAsync(key, "fn", Modules.Other);
        using var client = Host.CreateClient(key);
        using var first = await client.PutAsync("/v1/functions/fn/aliases/prod", Json(new { version = 1 })).Within();
        await ReadJsonAsync(first, HttpStatusCode.OK);
        using var moved = await client.PutAsync("/v1/functions/fn/aliases/prod", Json(new { version = 2 })).Within();
        Assert.Equal(2, (await ReadJsonAsync(moved, HttpStatusCode.OK))["version"]!.GetValue<int>());
        using var get = await client.GetAsync("/v1/functions/fn").Within();
        Assert.Equal(2, (await ReadJsonAsync(get, HttpStatusCode.OK))["aliases"]!["prod"]!.GetValue<int>());
    }

    [Theory]
    [InlineData("prod", """{"version": 7}""", HttpStatusCode.BadRequest, "INVALID_ARGUMENT", "version")]
    [InlineData("prod", """{"version": 0}""", HttpStatusCode.BadRequest, "INVALID_ARGUMENT", "version")]
    [InlineData("prod", """{}""", HttpStatusCode.BadRequest, "INVALID_ARGUMENT", "version")]
    [InlineData("prod", """{"version": "1"}""", HttpStatusCode.BadRequest, "INVALID_ARGUMENT", "version")]
    [InlineData("prod", """{"version": 1""", HttpStatusCode.BadRequest, "INVALID_ARGUMENT", "version")]
    [InlineData("prod", """not json""", HttpStatusCode.BadRequest, "INVALID_ARGUMENT", "body")]
    [InlineData("latest", """{"version": 1}""", HttpStatusCode.BadRequest, "INVALID_ARGUMENT", "alias")]
    [InlineData("42", """{"version": 1}""", HttpStatusCode.BadRequest, "INVALID_ARGUMENT", "alias")]
    [InlineData("Prod", """{"version": 1}""", HttpStatusCode.BadRequest, "INVALID_ARGUMENT", "alias")]
    [InlineData("..%2Fprod", """{"version": 1}""", HttpStatusCode.BadRequest, "INVALID_ARGUMENT", "alias")]
    public async Task SetAlias_Invalid_ReturnsProblem(string alias, string json, HttpStatusCode status, string code, string field)
    {
        var (_, key) = await CreateTenantAsync();
        await DeployAsync(key, "fn");
        using var client = Host.CreateClient(key);
        using var response = await client.PutAsync($"/v1/functions/fn/aliases/{alias}", Json(json)).Within();
        await AssertProblemAsync(response, status, code, field);
        using var get = await client.GetAsync("/v1/functions/fn").Within();
        Assert.Single((await ReadJsonAsync(get, HttpStatusCode.OK))["aliases"]!.AsObject());
    }

    [Fact]
    public async Task SetAlias_MissingFunction_Returns404()
    {
        var (_, key) = await CreateTenantAsync();
        using var client = Host.CreateClient(key);
        using var response = await client.PutAsync("/v1/functions/ghost/aliases/prod", Json(new { version = 1 })).Within();
        await AssertProblemAsync(response, HttpStatusCode.NotFound, "NOT_FOUND");
    }

    [Fact]
    public async Task Delete_RemovesVersionsAndAliases_KeepsSharedModule_NameReusableFromVersion1()
    {
        var (_, key) = await CreateTenantAsync();
        await DeployAsync(key, "fn");
        await DeployAsync(key, "fn", Modules.Other);
        using var client = Host.CreateClient(key);
        using var alias = await client.PutAsync("/v1/functions/fn/aliases/prod", Json(new { version = 1 })).Within();
        await ReadJsonAsync(alias, HttpStatusCode.OK);

        using var delete = await client.DeleteAsync("/v1/functions/fn").Within();
        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        using var get = await client.GetAsync("/v1/functions/fn").Within();
        await AssertProblemAsync(get, HttpStatusCode.NotFound, "NOT_FOUND");
        using var download = await client.GetAsync("/v1/functions/fn/versions/1/module").Within();
        await AssertProblemAsync(download, HttpStatusCode.NotFound, "NOT_FOUND");
        Assert.Equal(0L, await Database.ScalarAsync<long>("SELECT count(*) FROM function_versions").Within());
        Assert.Equal(0L, await Database.ScalarAsync<long>("SELECT count(*) FROM function_aliases").Within());
        Assert.Equal(2L, await Database.ScalarAsync<long>("SELECT count(*) FROM modules").Within());

        var again = await DeployAsync(key, "fn");
        Assert.Equal(1, again["version"]!.GetValue<int>());

        using var twice = await client.DeleteAsync("/v1/functions/ghost").Within();
        await AssertProblemAsync(twice, HttpStatusCode.NotFound, "NOT_FOUND");
    }

    [Fact]
    public async Task SameBytesFromTwoTenants_StoredOnce_EachSeesOnlyItsOwn()
    {
        var (_, keyA) = await CreateTenantAsync();
        var (_, keyB) = await CreateTenantAsync();
        var a = await DeployAsync(keyA, "same");
        var b = await DeployAsync(keyB, "copy");
        Assert.Equal(a["sha256"]!.GetValue<string>(), b["sha256"]!.GetValue<string>());
        Assert.Equal(1L, await Database.ScalarAsync<long>("SELECT count(*) FROM modules").Within());

        using var clientB = Host.CreateClient(keyB);
        using var list = await clientB.GetAsync("/v1/functions").Within();
        Assert.Equal(["copy"], (await ReadJsonAsync(list, HttpStatusCode.OK))["functions"]!.AsArray().Select(f => f!["name"]!.GetValue<string>()));
    }

    /// <summary>A stream without a known length, so HttpClient sends it chunked.</summary>
    private sealed class NoLengthStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }
}
