using System.Text.Json;
using Platform.Testing;

namespace Platform.Cli.Tests;

public sealed class RunCommandTests
{
    private static async Task<JsonElement> RunJsonAsync(string guest, string input = "", params string[] extra)
    {
        var result = await PlatformCtlProcess.RunAsync(input, ["run", GuestModules.PathOf(guest), "--json", .. extra]);
        var document = JsonDocument.Parse(result.Stdout);
        var json = document.RootElement;
        Assert.Equal(json.GetProperty("outcome").GetString() == "OK" ? 0 : ExpectedExitCode(json.GetProperty("outcome").GetString()!), result.ExitCode);
        return json;
    }

    private static int ExpectedExitCode(string outcome) => outcome switch
    {
        "OUT_OF_FUEL" => 10,
        "TIMEOUT" => 11,
        "MEMORY_LIMIT" => 12,
        "TRAP" => 13,
        "EXIT_NONZERO" => 14,
        "OUTPUT_LIMIT" => 15,
        "INVALID_MODULE" => 16,
        "FUNCTION_ERROR" => 17,
        _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome, null),
    };

    [Fact]
    public async Task Run_Hello_PrintsGreetingAndExitsZero()
    {
        var result = await PlatformCtlProcess.RunAsync("", "run", GuestModules.PathOf("hello"));

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("Hello from Platform! (function hello)\n", result.Stdout);
        Assert.Equal("", result.Stderr);
    }

    [Fact]
    public async Task Run_Echo_ReadsStdinToEof()
    {
        var input = string.Join('\n', Enumerable.Range(0, 2000).Select(i => $"line {i}"));

        var result = await PlatformCtlProcess.RunAsync(input, "run", GuestModules.PathOf("echo"));

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(input, result.Stdout);
    }

    [Fact]
    public async Task Run_Json_HasEveryField()
    {
        var json = await RunJsonAsync("echo", "ping");

        Assert.Equal("OK", json.GetProperty("outcome").GetString());
        Assert.Equal(0, json.GetProperty("exitCode").GetInt32());
        Assert.True(json.GetProperty("fuelConsumed").GetInt64() > 0);
        Assert.True(json.GetProperty("durationMs").GetDouble() > 0);
        Assert.Equal("ping", json.GetProperty("output").GetString());
        Assert.Equal("", json.GetProperty("logs").GetString());
        Assert.Equal(JsonValueKind.Null, json.GetProperty("message").ValueKind);
    }

    [Fact]
    public async Task Run_ArgsAndEnv_ReachTheFunctionAndNothingElse()
    {
        var result = await PlatformCtlProcess.RunAsync("", "run", GuestModules.PathOf("env"), "--arg", "one", "--arg", "two words", "--env", "GREETING=hi=there");

        Assert.Equal(0, result.ExitCode);
        var lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["arg[0]=env", "arg[1]=one", "arg[2]=two words", "GREETING=hi=there", "PLATFORM_TENANT=local", "PLATFORM_FUNCTION=env", "PLATFORM_VERSION=0"], lines[..7]);
        Assert.StartsWith("PLATFORM_INVOCATION_ID=", lines[7]);
        Assert.Equal(8, lines.Length);
    }

    [Fact]
    public async Task Run_Spin_RunsOutOfFuel()
    {
        var json = await RunJsonAsync("spin", "", "--fuel", "10000000");

        Assert.Equal("OUT_OF_FUEL", json.GetProperty("outcome").GetString());
        Assert.Equal(10_000_000, json.GetProperty("fuelConsumed").GetInt64());
    }

    [Fact]
    public async Task Run_SpinWithAmpleFuel_TimesOut()
    {
        var json = await RunJsonAsync("spin", "", "--fuel", "1000000000000", "--timeout-ms", "300");

        Assert.Equal("TIMEOUT", json.GetProperty("outcome").GetString());
        Assert.InRange(json.GetProperty("durationMs").GetDouble(), 290, 300 + 500);
    }

    [Fact]
    public async Task Run_MemoryBomb_HitsMemoryLimit()
    {
        var json = await RunJsonAsync("membomb", "", "--memory-mb", "16");

        Assert.Equal("MEMORY_LIMIT", json.GetProperty("outcome").GetString());
    }

    [Fact]
    public async Task Run_Recursion_TrapsWithStackOverflow()
    {
        var json = await RunJsonAsync("recurse");

        Assert.Equal("TRAP", json.GetProperty("outcome").GetString());
        Assert.Contains("stack overflow", json.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Run_Flood_StopsAtOutputLimit()
    {
        var json = await RunJsonAsync("flood");

        Assert.Equal("OUTPUT_LIMIT", json.GetProperty("outcome").GetString());
        Assert.InRange(json.GetProperty("output").GetString()!.Length, 1_000_000, 1 << 20);
    }

    [Fact]
    public async Task Run_Exit7_ReportsExitNonzeroAndLogs()
    {
        var json = await RunJsonAsync("exit7");

        Assert.Equal("EXIT_NONZERO", json.GetProperty("outcome").GetString());
        Assert.Equal(7, json.GetProperty("exitCode").GetInt32());
        Assert.Equal("bye\n", json.GetProperty("logs").GetString());
    }

    [Fact]
    public async Task Run_Exit7_WithoutJson_WritesLogsAndReasonToStderr()
    {
        var result = await PlatformCtlProcess.RunAsync("", "run", GuestModules.PathOf("exit7"));

        Assert.Equal(14, result.ExitCode);
        Assert.Equal("", result.Stdout);
        Assert.StartsWith("bye\n", result.Stderr);
        Assert.Contains("EXIT_NONZERO", result.Stderr);
    }

    [Fact]
    public async Task Run_WatFile_IsAccepted()
    {
        var path = Path.Combine(Path.GetTempPath(), $"platformctl-{Guid.NewGuid():N}.wat");
        await File.WriteAllTextAsync(path, """
            (module
              (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
              (memory (export "memory") 1)
              (func (export "_start") (call $exit (i32.const 3))))
            """);
        try
        {
            var result = await PlatformCtlProcess.RunAsync("", "run", path, "--json");

            Assert.Equal(14, result.ExitCode);
            Assert.Equal(3, JsonDocument.Parse(result.Stdout).RootElement.GetProperty("exitCode").GetInt32());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Run_InvalidModule_ReportsInvalidModule()
    {
        var path = Path.Combine(Path.GetTempPath(), $"platformctl-{Guid.NewGuid():N}.wasm");
        await File.WriteAllBytesAsync(path, [0, 97, 115, 109, 1, 0, 0, 0, 1, 255]);
        try
        {
            var result = await PlatformCtlProcess.RunAsync("", "run", path, "--json");

            Assert.Equal(16, result.ExitCode);
            var json = JsonDocument.Parse(result.Stdout).RootElement;
            Assert.Equal("INVALID_MODULE", json.GetProperty("outcome").GetString());
            Assert.Contains("malformed", json.GetProperty("message").GetString());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Run_MissingFile_ExitsWithInvalidArgument()
    {
        var result = await PlatformCtlProcess.RunAsync("", "run", "/nonexistent/function.wasm");

        Assert.Equal(20, result.ExitCode);
        Assert.Contains("no such file", result.Stderr);
    }

    [Fact]
    public async Task Run_BadOptions_ExitWithUsageError()
    {
        var result = await PlatformCtlProcess.RunAsync("", "run", GuestModules.PathOf("hello"), "--fuel", "0", "--env", "NOEQUALS");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--fuel must be positive", result.Stderr);
        Assert.Contains("--env expects K=V", result.Stderr);
    }

    [Fact]
    public async Task Run_InputOverTheLimit_IsRefused()
    {
        var result = await PlatformCtlProcess.RunAsync(new string('x', (1 << 20) + 1), "run", GuestModules.PathOf("echo"));

        Assert.Equal(28, result.ExitCode);
        Assert.Contains("PAYLOAD_TOO_LARGE", result.Stderr);
    }
}

/// <summary><c>platformctl run</c> of a component: the same command and the same JSON as for a module.</summary>
public sealed class RunComponentTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("platformctl-run-component").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string Write(string wat)
    {
        var path = Path.Combine(_directory, Guid.NewGuid().ToString("N") + ".wat");
        File.WriteAllText(path, wat);
        return path;
    }

    [Fact]
    public async Task Run_InvokeComponent_PrintsTheReturnedBody()
    {
        var result = await PlatformCtlProcess.RunAsync("hello component", "run", Write(ComponentWat.Invoke));

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("hello component", result.Stdout);
    }

    [Fact]
    public async Task Run_ComponentJson_HasTheModulesShape()
    {
        var result = await PlatformCtlProcess.RunAsync("ping", "run", Write(ComponentWat.Invoke), "--json");

        Assert.Equal(0, result.ExitCode);
        var json = System.Text.Json.JsonDocument.Parse(result.Stdout).RootElement;
        Assert.Equal(
            ["outcome", "exitCode", "fuelConsumed", "durationMs", "output", "logs", "message"],
            json.EnumerateObject().Select(p => p.Name));
        Assert.Equal("OK", json.GetProperty("outcome").GetString());
        Assert.Equal(0, json.GetProperty("exitCode").GetInt32());
        Assert.Equal("ping", json.GetProperty("output").GetString());
    }

    [Fact]
    public async Task Run_ComponentErr_IsFunctionErrorWithExitCode17()
    {
        var result = await PlatformCtlProcess.RunAsync("r", "run", Write(ComponentWat.Invoke), "--json");

        Assert.Equal(17, result.ExitCode);
        var json = System.Text.Json.JsonDocument.Parse(result.Stdout).RootElement;
        Assert.Equal("FUNCTION_ERROR", json.GetProperty("outcome").GetString());
        Assert.Equal("refused", json.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Run_ComponentWithAForbiddenImport_IsInvalidModuleNamingIt()
    {
        var result = await PlatformCtlProcess.RunAsync("", "run", Write(ComponentWat.Importing("wasi:sockets/tcp@0.2.0")));

        Assert.Equal(16, result.ExitCode);
        Assert.Contains("wasi:sockets/tcp@0.2.0", result.Stderr, StringComparison.Ordinal);
    }
}
