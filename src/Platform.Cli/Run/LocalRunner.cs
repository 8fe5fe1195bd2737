using System.Text;
using System.Text.Json;
using Platform.Runtime;
using Platform.Runtime.Compilation;

namespace Platform.Cli.Run;

/// <summary>Compiles (through the artifact cache) and runs one function in this process.</summary>
internal static class LocalRunner
{
    public static string DefaultCacheDir()
    {
        var root = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        if (string.IsNullOrEmpty(root)) root = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(root, "platformctl", "artifacts");
    }

    public static async Task<int> RunAsync(RunSettings settings, Stream stdin, bool stdinRedirected, Stream stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        if (!settings.File.Exists)
        {
            await stderr.WriteLineAsync($"platformctl: {settings.File.FullName}: no such file");
            return ExitCodes.InvalidArgument;
        }

        var input = stdinRedirected ? await ReadCappedAsync(stdin, InvocationLimits.DefaultMaxInputBytes, cancellationToken) : [];
        if (input is null)
        {
            await stderr.WriteLineAsync($"platformctl: the input is larger than {InvocationLimits.DefaultMaxInputBytes} bytes (PAYLOAD_TOO_LARGE)");
            return ExitCodes.PayloadTooLarge;
        }

        using var engine = new WasmEngine(new RuntimeOptions { CacheDir = settings.CacheDir });
        var (module, error) = await CompileAsync(engine, await File.ReadAllBytesAsync(settings.File.FullName, cancellationToken), cancellationToken);
        if (module is null)
        {
            return await ReportAsync(settings, stdout, stderr, new InvocationResult { Outcome = Outcome.InvalidModule, Message = error });
        }

        var name = Path.GetFileNameWithoutExtension(settings.File.Name);
        var request = new InvocationRequest
        {
            Input = input,
            Args = [name, .. settings.Args],
            Env =
            [
                .. settings.Env.Select(pair => new KeyValuePair<string, string>(pair[..pair.IndexOf('=', StringComparison.Ordinal)], pair[(pair.IndexOf('=', StringComparison.Ordinal) + 1)..])),
                .. settings.NoPlatformEnv ? [] : PlatformEnv(name),
            ],
            Limits = InvocationLimits.Default with { Fuel = settings.Fuel, MemoryMb = settings.MemoryMb, TimeoutMs = settings.TimeoutMs },
            Mounts = settings.Mounts(),
        };

        var result = await Task.Run(() => new FunctionExecutor(engine).Invoke(module, request), cancellationToken);
        return await ReportAsync(settings, stdout, stderr, result);
    }

    /// <summary>
    /// Validates and compiles a module (binary or WAT) through the artifact cache; the error when
    /// it is not a valid module. The author's own module on the author's machine: compiled
    /// in-process, without the platform's compile budget.
    /// </summary>
    public static async Task<(CompiledModule? Module, string? Error)> CompileAsync(WasmEngine engine, byte[] source, CancellationToken cancellationToken)
    {
        var verdict = ModuleValidator.Prepare(source, ModuleLimits.Default);
        if (!verdict.IsValid)
            return (null, verdict.Error);
        try
        {
            return (await new ArtifactCache(engine, new InProcessCompiler(engine)).GetOrCompileAsync(verdict.WasmBytes!, cancellationToken), null);
        }
        catch (InvalidModuleException ex)
        {
            return (null, ex.Message);
        }
    }

    /// <summary>The variables the platform adds to every invocation, with local stand-ins for tenant and version.</summary>
    private static KeyValuePair<string, string>[] PlatformEnv(string function) =>
    [
        new("PLATFORM_TENANT", "local"),
        new("PLATFORM_FUNCTION", function),
        new("PLATFORM_VERSION", "0"),
        new("PLATFORM_INVOCATION_ID", Guid.NewGuid().ToString("N")),
    ];

    private static async Task<int> ReportAsync(RunSettings settings, Stream stdout, TextWriter stderr, InvocationResult result)
    {
        if (settings.Json)
        {
            await using var writer = new Utf8JsonWriter(stdout);
            writer.WriteStartObject();
            writer.WriteString("outcome", result.Outcome.ToCode());
            if (result.ExitCode is { } exitCode) writer.WriteNumber("exitCode", exitCode);
            else writer.WriteNull("exitCode");
            writer.WriteNumber("fuelConsumed", result.FuelConsumed);
            writer.WriteNumber("durationMs", Math.Round(result.Duration.TotalMilliseconds, 3));
            writer.WriteString("output", Encoding.UTF8.GetString(result.Output.Span));
            writer.WriteString("logs", Encoding.UTF8.GetString(result.Logs.Span));
            if (result.Message is null) writer.WriteNull("message");
            else writer.WriteString("message", result.Message);
            writer.WriteEndObject();
            await writer.FlushAsync();
            await stdout.WriteAsync("\n"u8.ToArray());
        }
        else
        {
            await stdout.WriteAsync(result.Output);
            await stderr.WriteAsync(Encoding.UTF8.GetString(result.Logs.Span));
            if (result.Outcome != Outcome.Ok) await stderr.WriteLineAsync($"platformctl: {result.Outcome.ToCode()}: {result.Message}");
        }

        await stdout.FlushAsync();
        return ExitCodes.For(result.Outcome);
    }

    /// <summary>Reads to EOF, or returns null as soon as more than <paramref name="limit"/> bytes arrive.</summary>
    private static async Task<byte[]?> ReadCappedAsync(Stream stream, int limit, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > limit) return null;
            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }
}
