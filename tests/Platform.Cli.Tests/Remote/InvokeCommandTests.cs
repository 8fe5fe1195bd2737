using System.Text;
using System.Text.Json;

namespace Platform.Cli.Tests.Remote;

public sealed class InvokeCommandTests
{
    private static readonly byte[] EveryByte = Enumerable.Range(0, 256).Select(i => (byte)i).Concat("tail\r\n\0"u8.ToArray()).ToArray();

    [Fact]
    public async Task Invoke_Data_SendsUtf8AndWritesTheOutputAsIs()
    {
        await using var platform = await FakePlatform.StartAsync();

        var result = await Ctl.TenantAsync(platform, "invoke", "echo", "--data", "héllo wörld");

        Assert.Equal(0, result.ExitCode);
        var request = Assert.Single(platform.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal("/v1/functions/echo/invoke", request.Path);
        Assert.Equal($"Bearer {FakePlatform.TenantKey}", request.Authorization);
        Assert.Equal(Encoding.UTF8.GetBytes("héllo wörld"), request.Body);
        Assert.Equal(Encoding.UTF8.GetBytes("héllo wörld"), result.StdoutBytes);
        Assert.Equal("", result.Stderr);
    }

    [Fact]
    public async Task Invoke_File_SendsItsBytesAndRawBinaryOutputSurvives()
    {
        await using var platform = await FakePlatform.StartAsync();
        using var file = Ctl.File("input.bin", EveryByte);

        var result = await Ctl.TenantAsync(platform, "invoke", "echo", "--file", file.Path);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(EveryByte, Assert.Single(platform.Requests).Body);
        Assert.Equal(EveryByte, result.StdoutBytes);
    }

    [Fact]
    public async Task Invoke_RedirectedStdin_IsTheInput()
    {
        await using var platform = await FakePlatform.StartAsync();
        var input = Encoding.UTF8.GetBytes(string.Join('\n', Enumerable.Range(0, 5000).Select(i => $"line {i}")));

        var result = await Ctl.WithStdinAsync(platform, input, "invoke", "echo");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(input, Assert.Single(platform.Requests).Body);
        Assert.Equal(input, result.StdoutBytes);
    }

    [Fact]
    public async Task Invoke_DataWinsOverStdin()
    {
        await using var platform = await FakePlatform.StartAsync();

        var result = await Ctl.WithStdinAsync(platform, "from stdin"u8.ToArray(), "invoke", "echo", "--data", "from data");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("from data", Assert.Single(platform.Requests).BodyText);
    }

    [Theory]
    [InlineData("echo@3", "/v1/functions/echo@3/invoke")]
    [InlineData("echo@prod", "/v1/functions/echo@prod/invoke")]
    public async Task Invoke_VersionOrAlias_IsInThePath(string target, string path)
    {
        await using var platform = await FakePlatform.StartAsync();

        var result = await Ctl.TenantAsync(platform, "invoke", target, "--data", "x");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(path, Assert.Single(platform.Requests).Path);
    }

    [Fact]
    public async Task Invoke_Json_CarriesOutputAndTheHeaders()
    {
        await using var platform = await FakePlatform.StartAsync();

        var result = await Ctl.TenantAsync(platform, "invoke", "echo@3", "--data", "ping", "--json");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(
            """{"outcome":"OK","code":null,"message":null,"exitCode":0,"output":"ping","logs":null,"invocationId":"inv-123","version":3,"fuelConsumed":4242,"durationMs":1.25,"worker":"worker-a"}""" + "\n",
            result.Stdout);
        Assert.Equal("", result.Stderr);
    }

    [Fact]
    public async Task Invoke_OutOfFuel_Exits10WithLogsAndCodeOnStderr()
    {
        await using var platform = await FakePlatform.StartAsync();

        var result = await Ctl.TenantAsync(platform, "invoke", "out-of-fuel", "--data", "x");

        Assert.Equal(10, result.ExitCode);
        Assert.Equal("", result.Stdout);
        Assert.Equal(
            "starting\nspinning forever\n"
            + "platformctl: OUT_OF_FUEL: the function ran out of fuel (limit 1000) (invocation inv-123, version 7, worker worker-a, fuel 1000, 12.5 ms)\n",
            result.Stderr);
    }

    [Fact]
    public async Task Invoke_OutOfFuelJson_HasCodeMessageExitCodeAndLogs()
    {
        await using var platform = await FakePlatform.StartAsync();

        var result = await Ctl.TenantAsync(platform, "invoke", "out-of-fuel", "--json");

        Assert.Equal(10, result.ExitCode);
        var json = JsonDocument.Parse(result.Stdout).RootElement;
        Assert.Equal("OUT_OF_FUEL", json.GetProperty("outcome").GetString());
        Assert.Equal("OUT_OF_FUEL", json.GetProperty("code").GetString());
        Assert.Equal("the function ran out of fuel (limit 1000)", json.GetProperty("message").GetString());
        Assert.Equal(JsonValueKind.Null, json.GetProperty("exitCode").ValueKind);
        Assert.Equal("starting\nspinning forever\n", json.GetProperty("logs").GetString());
        Assert.Equal("inv-123", json.GetProperty("invocationId").GetString());
        Assert.Equal(1000, json.GetProperty("fuelConsumed").GetInt64());
        Assert.Equal(12.5, json.GetProperty("durationMs").GetDouble());
        Assert.Equal("worker-a", json.GetProperty("worker").GetString());
        Assert.Equal(7, json.GetProperty("version").GetInt32());
    }

    [Fact]
    public async Task Invoke_ExitNonzero_Exits14WithTheGuestsExitCode()
    {
        await using var platform = await FakePlatform.StartAsync();

        var result = await Ctl.TenantAsync(platform, "invoke", "exit-nonzero", "--json");

        Assert.Equal(14, result.ExitCode);
        Assert.Equal(7, JsonDocument.Parse(result.Stdout).RootElement.GetProperty("exitCode").GetInt32());
    }

    [Fact]
    public async Task Invoke_NotFound_Exits21()
    {
        await using var platform = await FakePlatform.StartAsync();

        var result = await Ctl.TenantAsync(platform, "invoke", "not-found@2");

        Assert.Equal(21, result.ExitCode);
        Assert.Equal("platformctl: NOT_FOUND: function 'not-found' not found\n", result.Stderr);
        Assert.Equal("", result.Stdout);
    }

    [Theory]
    [InlineData("timeout", 11)]
    [InlineData("memory-limit", 12)]
    [InlineData("trap", 13)]
    [InlineData("rate-limited", 24)]
    [InlineData("overloaded", 26)]
    [InlineData("payload-too-large", 28)]
    [InlineData("crash", 1)]
    [InlineData("bad-gateway", 29)]
    public async Task Invoke_Failure_ExitsWithItsCode(string target, int exitCode)
    {
        await using var platform = await FakePlatform.StartAsync();

        var result = await Ctl.TenantAsync(platform, "invoke", target);

        Assert.Equal(exitCode, result.ExitCode);
        Assert.StartsWith("platformctl: ", result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1]);
    }

    [Fact]
    public async Task Invoke_DataAndFile_IsAUsageError()
    {
        await using var platform = await FakePlatform.StartAsync();

        var result = await Ctl.TenantAsync(platform, "invoke", "echo", "--data", "x", "--file", "/etc/hostname");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("not both", result.Stderr);
        Assert.Empty(platform.Requests);
    }

    [Theory]
    [InlineData("echo@", "expected NAME, NAME@VERSION or NAME@ALIAS")]
    [InlineData("@3", "Response file not found")] // a leading '@' is System.CommandLine's response-file syntax
    public async Task Invoke_MalformedTarget_IsAUsageError(string target, string message)
    {
        await using var platform = await FakePlatform.StartAsync();

        var result = await Ctl.TenantAsync(platform, "invoke", target);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, result.Stderr);
        Assert.Empty(platform.Requests);
    }
}
