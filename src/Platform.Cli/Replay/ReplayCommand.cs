using System.CommandLine;
using System.Security.Cryptography;
using System.Text.Json;
using Platform.Cli.Remote;
using Platform.Cli.Run;
using Platform.Runtime;
using Platform.Runtime.Replay;

namespace Platform.Cli.Replay;

/// <summary>
/// <c>platformctl replay ID [--json] [--trace]</c>: downloads an invocation's recording and its
/// module, runs it here in the same sandbox under the same limits, serving the recorded clock
/// readings and random bytes, and compares outcome, exit code, output, logs and fuel with
/// production's. Exit 0 when all are identical, <see cref="ExitCodes.ReplayDiffers"/> when not.
/// </summary>
internal static class ReplayCommand
{
    public static Command Create()
    {
        var id = new Argument<string>("ID") { Description = "The invocation id of a recorded invocation (its version has \"record\": \"failures\" or \"all\")." };
        var trace = new Option<bool>("--trace") { Description = "Print each host call the guest made: clock readings, random bytes, stdin reads, stdout/stderr writes, exit." };
        var cacheDir = new Option<DirectoryInfo?>("--cache-dir") { Description = "Where compiled artifacts are kept (default: the user cache folder)." };
        var command = new Command(
            "replay",
            "Run a recorded invocation again on this machine, exactly as production ran it, and report whether outcome, exit code, output, logs and fuel are identical (exit 0) or not (exit 3).")
        {
            id, trace, cacheDir,
        };
        command.SetRemoteAction(TimeSpan.FromSeconds(60), async (parse, call) =>
        {
            var invocation = PlatformClient.Segment(parse.GetRequiredValue(id));
            using var recording = JsonDocument.Parse(await call.CallAsync(HttpMethod.Get, $"v1/invocations/{invocation}/recording"));
            var module = await call.CallAsync(HttpMethod.Get, $"v1/invocations/{invocation}/module");
            var recorded = Recorded.From(recording.RootElement);
            var sha256 = Convert.ToHexStringLower(SHA256.HashData(module));
            if (sha256 != recorded.ModuleSha256)
                return await call.FailAsync(ApiProblem.Local("UNEXPECTED_RESPONSE", $"the module downloaded has SHA-256 {sha256}, the recording names {recorded.ModuleSha256}"));

            var calls = new List<HostCall>();
            using var engine = new WasmEngine(new RuntimeOptions { CacheDir = parse.GetValue(cacheDir)?.FullName ?? LocalRunner.DefaultCacheDir() });
            var (compiled, error) = await LocalRunner.CompileAsync(engine, module, call.CancellationToken);
            if (compiled is null)
                return await call.FailAsync(ApiProblem.Local("INVALID_MODULE", $"the recorded module does not compile here: {error}"));
            var request = recorded.Request(parse.GetValue(trace) ? calls.Add : null);
            var replay = await Task.Run(() => new FunctionExecutor(engine).Invoke(compiled, request), call.CancellationToken);

            var comparison = new ReplayComparison(recorded, replay, parse.GetValue(trace) ? calls : null);
            if (call.Json) await call.WriteJsonAsync(comparison.WriteTo);
            else comparison.WriteTo(call.Out);
            return comparison.Identical ? ExitCodes.Ok : ExitCodes.ReplayDiffers;
        });
        return command;
    }
}

/// <summary>A recording as <c>GET /v1/invocations/{id}/recording</c> serves it.</summary>
internal sealed record Recorded(
    string InvocationId,
    string Function,
    int Version,
    string ModuleSha256,
    byte[] Input,
    IReadOnlyList<long> Clocks,
    byte[] Random,
    IReadOnlyList<string> Args,
    IReadOnlyList<string> Env,
    InvocationLimits Limits,
    Outcome Outcome,
    int? ExitCode,
    string? Message,
    long FuelConsumed,
    byte[] Output,
    byte[] Logs)
{
    public static Recorded From(JsonElement json)
    {
        var limits = json.GetProperty("limits");
        var production = json.GetProperty("production");
        var outcome = production.GetProperty("outcome").GetString();
        if (outcome is null || !OutcomeCodes.TryParse(outcome, out var parsed))
            throw new JsonException($"the recording's outcome '{outcome}' is not one this tool knows");
        return new Recorded(
            json.GetProperty("invocationId").GetString()!,
            json.GetProperty("function").GetString()!,
            json.GetProperty("version").GetInt32(),
            json.GetProperty("moduleSha256").GetString()!,
            json.GetProperty("input").GetBytesFromBase64(),
            json.GetProperty("clocks").EnumerateArray().Select(c => c.GetInt64()).ToList(),
            json.GetProperty("random").GetBytesFromBase64(),
            json.GetProperty("args").EnumerateArray().Select(a => a.GetString()!).ToList(),
            json.GetProperty("env").EnumerateArray().Select(e => e.GetString()!).ToList(),
            new InvocationLimits
            {
                Fuel = limits.GetProperty("fuel").GetInt64(),
                MemoryMb = limits.GetProperty("memoryMb").GetInt32(),
                TimeoutMs = limits.GetProperty("timeoutMs").GetInt32(),
                MaxOutputBytes = limits.GetProperty("maxOutputBytes").GetInt32(),
                MaxLogBytes = limits.GetProperty("maxLogBytes").GetInt32(),
            },
            parsed,
            production.TryGetProperty("exitCode", out var exitCode) && exitCode.ValueKind == JsonValueKind.Number ? exitCode.GetInt32() : null,
            production.TryGetProperty("message", out var message) ? message.GetString() : null,
            production.GetProperty("fuelConsumed").GetInt64(),
            production.GetProperty("output").GetBytesFromBase64(),
            production.GetProperty("logs").GetBytesFromBase64());
    }

    /// <summary>The sandbox request that runs it again: same input, args, env and limits, the recorded clocks and random bytes.</summary>
    public InvocationRequest Request(Action<HostCall>? trace) => new()
    {
        Input = Input,
        Args = Args,
        Env = Env.Select(e => e.IndexOf('=', StringComparison.Ordinal) is var eq and > 0
            ? KeyValuePair.Create(e[..eq], e[(eq + 1)..])
            : throw new JsonException($"the recording's environment entry '{e}' is not NAME=value")).ToList(),
        Limits = Limits,
        Replay = new HostRecording(Clocks, Random),
        Trace = trace,
    };
}
