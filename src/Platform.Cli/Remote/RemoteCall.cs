using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Platform.Cli.Remote;

/// <summary>
/// One run of a remote command: the client, the token (the command's request timeout and
/// Ctrl-C), and the two output streams. Tables and messages go to stdout, problems to stderr;
/// with <c>--json</c> stdout gets exactly one JSON document.
/// </summary>
internal sealed class RemoteCall(PlatformClient client, Stream stdout, TextWriter stderr, CancellationToken cancellationToken)
{
    public static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    private readonly StreamWriter _out = new(stdout, Utf8, bufferSize: 16 * 1024, leaveOpen: true) { NewLine = "\n" };

    public PlatformClient Client { get; } = client;

    public bool Json => Client.Settings.Json;

    public CancellationToken CancellationToken { get; } = cancellationToken;

    /// <summary>Human output (stdout).</summary>
    public TextWriter Out => _out;

    /// <summary>Problems, logs and progress (stderr).</summary>
    public TextWriter Error { get; } = stderr;

    public Task<byte[]> CallAsync(HttpMethod method, string path, HttpContent? content = null) =>
        Client.CallAsync(method, path, content, CancellationToken);

    /// <summary>Prints a successful answer: verbatim with --json, else through <paramref name="human"/>.</summary>
    public async Task<int> PrintAsync(byte[] body, Action<JsonElement, TextWriter> human)
    {
        ArgumentNullException.ThrowIfNull(human);
        if (Json)
        {
            await WriteJsonAsync(body);
            return ExitCodes.Ok;
        }

        using var document = JsonDocument.Parse(body);
        human(document.RootElement, Out);
        return ExitCodes.Ok;
    }

    /// <summary>Writes the server's JSON as it came, ending with a newline.</summary>
    public async Task WriteJsonAsync(ReadOnlyMemory<byte> body)
    {
        await _out.FlushAsync(CancellationToken);
        await stdout.WriteAsync(body, CancellationToken);
        if (body.Length == 0 || body.Span[^1] != (byte)'\n') await stdout.WriteAsync("\n"u8.ToArray(), CancellationToken);
    }

    /// <summary>Writes one JSON document built by <paramref name="write"/>, ending with a newline.</summary>
    public async Task WriteJsonAsync(Action<Utf8JsonWriter> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        using var buffer = new MemoryStream();
        await using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            write(writer);
        }

        await WriteJsonAsync(buffer.ToArray());
    }

    /// <summary>Reports options that do not make sense (before anything is sent) and returns the usage exit code.</summary>
    public async Task<int> UsageAsync(IEnumerable<string> problems)
    {
        ArgumentNullException.ThrowIfNull(problems);
        foreach (var problem in problems) await Error.WriteLineAsync($"platformctl: {problem}");
        return ExitCodes.Usage;
    }

    /// <summary>A command's own way to report failures (invoke's JSON object); the default is <see cref="FailAsync"/>'s.</summary>
    public Func<ApiProblem, Task<int>>? FailureReporter { get; set; }

    /// <summary>Reports a failure (stderr; with --json also the problem document on stdout) and returns its exit code.</summary>
    public async Task<int> FailAsync(ApiProblem problem)
    {
        ArgumentNullException.ThrowIfNull(problem);
        if (FailureReporter is { } reporter) return await reporter(problem);
        if (Json) await WriteJsonAsync(problem.WriteTo);
        await Error.WriteLineAsync($"platformctl: {problem}");
        return problem.ExitCode;
    }

    /// <summary>Flushes what is left; used after a raw write to <paramref name="stdout"/> too.</summary>
    public async Task FlushAsync()
    {
        await _out.FlushAsync(CancellationToken.None);
        await stdout.FlushAsync(CancellationToken.None);
    }

    /// <summary>The raw stdout, for bytes that are not text (a function's output).</summary>
    public async Task WriteRawAsync(ReadOnlyMemory<byte> bytes)
    {
        await _out.FlushAsync(CancellationToken);
        await stdout.WriteAsync(bytes, CancellationToken);
    }
}
