using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;
using Platform.Cli.Functions;

namespace Platform.Cli.Tests.Remote;

public sealed class DeployCommandTests
{
    private static readonly byte[] WasmModule = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, .. Enumerable.Range(0, 3000).Select(i => (byte)(i * 7))];

    [Fact]
    public async Task Deploy_Wasm_SendsApplicationWasmWithIdenticalBytes()
    {
        await using var platform = await FakePlatform.StartAsync();
        using var file = Ctl.File("hello.wasm", WasmModule);

        var result = await Ctl.TenantAsync(platform, "deploy", "hello", file.Path);

        Assert.Equal(0, result.ExitCode);
        var request = Assert.Single(platform.Requests);
        Assert.Equal("PUT", request.Method);
        Assert.Equal("/v1/functions/hello", request.Path);
        Assert.Equal("application/wasm", request.ContentType);
        Assert.Equal($"Bearer {FakePlatform.TenantKey}", request.Authorization);
        Assert.Equal(WasmModule.Length, request.ContentLength);
        Assert.Equal(WasmModule, request.Body);

        var sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(WasmModule));
        var lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("name     hello", lines[0]);
        Assert.Equal("version  3", lines[1]);
        Assert.Equal($"sha256   {sha}", lines[2]);
        Assert.Equal("size     2.9 KiB (3008 bytes)", lines[3]);
        Assert.Equal("", result.Stderr);
    }

    [Fact]
    public async Task Deploy_Wat_SendsTextPlain()
    {
        await using var platform = await FakePlatform.StartAsync();
        var wat = "(module (func (export \"_start\")))\n"u8.ToArray();
        using var file = Ctl.File("tiny.wat", wat);

        var result = await Ctl.TenantAsync(platform, "deploy", "tiny", file.Path);

        Assert.Equal(0, result.ExitCode);
        var request = Assert.Single(platform.Requests);
        Assert.Equal("text/plain; charset=utf-8", request.ContentType);
        Assert.Equal(wat, request.Body);
    }

    [Fact]
    public async Task Deploy_WithConfigOptions_SendsMultipartModuleAndExactConfig()
    {
        await using var platform = await FakePlatform.StartAsync();
        using var file = Ctl.File("hello.wasm", WasmModule);

        var result = await Ctl.TenantAsync(
            platform,
            "deploy", "hello", file.Path,
            "--env", "GREETING=hi=there", "--env", "MODE=fast",
            "--arg", "one", "--arg", "two words",
            "--fuel", "1000000", "--memory-mb", "32", "--timeout-ms", "500");

        Assert.Equal(0, result.ExitCode);
        var request = Assert.Single(platform.Requests);
        var parts = await ReadMultipartAsync(request);
        Assert.Equal(["module", "config"], parts.Select(p => p.Name));
        Assert.Equal(WasmModule, parts[0].Body);
        Assert.Equal("application/wasm", parts[0].ContentType);
        Assert.Equal("hello.wasm", parts[0].FileName);
        Assert.Equal("application/json", parts[1].ContentType);
        Assert.Equal(
            """{"env":{"GREETING":"hi=there","MODE":"fast"},"args":["one","two words"],"fuel":1000000,"memoryMb":32,"timeoutMs":500}""",
            Encoding.UTF8.GetString(parts[1].Body));
    }

    [Fact]
    public async Task Deploy_OnlyALimit_ConfigHasOnlyThatMember()
    {
        await using var platform = await FakePlatform.StartAsync();
        using var file = Ctl.File("tiny.wat", "(module)"u8.ToArray());

        var result = await Ctl.TenantAsync(platform, "deploy", "tiny", file.Path, "--timeout-ms", "250");

        Assert.Equal(0, result.ExitCode);
        var parts = await ReadMultipartAsync(Assert.Single(platform.Requests));
        Assert.Equal("text/plain; charset=utf-8", parts[0].ContentType);
        Assert.Equal("""{"timeoutMs":250}""", Encoding.UTF8.GetString(parts[1].Body));
    }

    [Theory]
    [InlineData("--http-public", """{"http":{"public":true}}""")]
    [InlineData("--http", """{"http":{"public":false}}""")]
    public async Task Deploy_HttpOption_ConfigHasHttpMember(string option, string config)
    {
        await using var platform = await FakePlatform.StartAsync();
        using var file = Ctl.File("tiny.wat", "(module)"u8.ToArray());

        var result = await Ctl.TenantAsync(platform, "deploy", "tiny", file.Path, option);

        Assert.Equal(0, result.ExitCode);
        var parts = await ReadMultipartAsync(Assert.Single(platform.Requests));
        Assert.Equal(config, Encoding.UTF8.GetString(parts[1].Body));
    }

    [Fact]
    public async Task Deploy_HttpAndHttpPublic_Exit2WithoutARequest()
    {
        await using var platform = await FakePlatform.StartAsync();
        using var file = Ctl.File("tiny.wat", "(module)"u8.ToArray());

        var result = await Ctl.TenantAsync(platform, "deploy", "tiny", file.Path, "--http", "--http-public");

        Assert.Equal(2, result.ExitCode);
        Assert.Empty(platform.Requests);
        Assert.Contains("--http and --http-public", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deploy_Json_PrintsTheServersDocument()
    {
        await using var platform = await FakePlatform.StartAsync();
        using var file = Ctl.File("hello.wasm", WasmModule);

        var result = await Ctl.TenantAsync(platform, "deploy", "hello", file.Path, "--json");

        Assert.Equal(0, result.ExitCode);
        var json = JsonDocument.Parse(result.Stdout).RootElement;
        Assert.Equal("hello", json.GetProperty("name").GetString());
        Assert.Equal(3, json.GetProperty("version").GetInt32());
        Assert.Equal(WasmModule.Length, json.GetProperty("sizeBytes").GetInt64());
        Assert.EndsWith("}\n", result.Stdout);
        Assert.Equal("", result.Stderr);
    }

    [Fact]
    public async Task Deploy_LargeModule_ShowsProgressOnStderrOnly()
    {
        await using var platform = await FakePlatform.StartAsync();
        var big = new byte[3 << 20];
        new Random(42).NextBytes(big);
        using var file = Ctl.File("big.wasm", big);

        var result = await Ctl.TenantAsync(platform, "deploy", "big", file.Path);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(big, Assert.Single(platform.Requests).Body);
        var progress = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(
            ["uploading big.wasm:  25% (768.0 KiB of 3.0 MiB)", "uploading big.wasm:  50% (1.5 MiB of 3.0 MiB)", "uploading big.wasm:  75% (2.3 MiB of 3.0 MiB)", "uploading big.wasm: 100% (3.0 MiB of 3.0 MiB)", UploadProgress.WaitingLine],
            progress);
        Assert.DoesNotContain("%", result.Stdout);

        var json = await Ctl.TenantAsync(platform, "deploy", "big", file.Path, "--json");
        Assert.Equal(0, json.ExitCode);
        Assert.Equal("", json.Stderr);
        JsonDocument.Parse(json.Stdout);
    }

    [Fact]
    public async Task Deploy_RefusedBeforeTheBodyIsRead_Exits28()
    {
        await using var platform = await FakePlatform.StartAsync();
        var big = new byte[8 << 20];
        using var file = Ctl.File("big.wasm", big);

        var result = await Ctl.TenantAsync(platform, "deploy", "too-big", file.Path);

        Assert.Equal(28, result.ExitCode);
        Assert.Contains("platformctl: PAYLOAD_TOO_LARGE: the module is larger than the tenant's maxModuleBytes quota (1048576 bytes) (field: module)", result.Stderr);
        Assert.Equal(big.Length, Assert.Single(platform.Requests).ContentLength);
    }

    [Fact]
    public async Task Deploy_MissingFile_Exits20WithoutARequest()
    {
        await using var platform = await FakePlatform.StartAsync();

        var result = await Ctl.TenantAsync(platform, "deploy", "hello", "/nonexistent/hello.wasm");

        Assert.Equal(20, result.ExitCode);
        Assert.Contains("no such file", result.Stderr);
        Assert.Empty(platform.Requests);
    }

    [Fact]
    public async Task Deploy_BadOptions_Exit2WithoutARequest()
    {
        await using var platform = await FakePlatform.StartAsync();
        using var file = Ctl.File("hello.wasm", WasmModule);

        var result = await Ctl.TenantAsync(platform, "deploy", "hello", file.Path, "--fuel", "0", "--env", "NOEQUALS", "--env", "A=1", "--env", "A=2");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--fuel must be positive", result.Stderr);
        Assert.Contains("--env expects K=V, got 'NOEQUALS'", result.Stderr);
        Assert.Contains("--env A is given twice", result.Stderr);
        Assert.Empty(platform.Requests);
    }

    [Fact]
    public async Task Deploy_InvalidArgumentProblem_Exits20NamingTheField()
    {
        await using var platform = await FakePlatform.StartAsync();
        using var file = Ctl.File("hello.wasm", WasmModule);

        var result = await Ctl.TenantAsync(platform, "deploy", "bad-config", file.Path, "--fuel", "99");

        Assert.Equal(20, result.ExitCode);
        Assert.Equal("platformctl: INVALID_ARGUMENT: config.fuel (99) exceeds the tenant's maxFuel quota (10) (field: config.fuel)\n", result.Stderr);
        Assert.Equal("", result.Stdout);
    }

    private sealed record Part(string? Name, string? FileName, string? ContentType, byte[] Body);

    private static async Task<List<Part>> ReadMultipartAsync(RecordedRequest request)
    {
        var type = MediaTypeHeaderValue.Parse(request.ContentType);
        Assert.Equal("multipart/form-data", type.MediaType.Value);
        var reader = new MultipartReader(HeaderUtilities.RemoveQuotes(type.Boundary).Value!, new MemoryStream(request.Body));
        var parts = new List<Part>();
        while (await reader.ReadNextSectionAsync().WaitAsync(TimeSpan.FromSeconds(10)) is { } section)
        {
            var disposition = ContentDispositionHeaderValue.Parse(section.ContentDisposition);
            using var body = new MemoryStream();
            await section.Body.CopyToAsync(body).WaitAsync(TimeSpan.FromSeconds(10));
            parts.Add(new Part(HeaderUtilities.RemoveQuotes(disposition.Name).Value, HeaderUtilities.RemoveQuotes(disposition.FileName).Value, section.ContentType, body.ToArray()));
        }

        return parts;
    }
}
