using Platform.Testing.Processes;

namespace Platform.Operations.Tests;

/// <summary><c>dotnet Platform.Server.dll dev ...</c> as a child process: the platform the operations test watches.</summary>
public sealed class DevPlatform : IAsyncDisposable
{
    private readonly ChildProcess _process;

    private DevPlatform(ChildProcess process, string dataDir)
    {
        _process = process;
        DataDir = dataDir;
    }

    public string DataDir { get; }

    public string Output => _process.Output;

    /// <summary>Starts <c>dev --data-dir DIR</c> with <paramref name="arguments"/>.</summary>
    public static DevPlatform Start(string dataDir, IEnumerable<string> arguments) => new(
        ChildProcess.Start(
            "dev",
            ServerBinary.Host,
            [ServerBinary.Path, "dev", "--data-dir", dataDir, .. arguments],
            new Dictionary<string, string?> { ["ConnectionStrings__Platform"] = null, ["OTEL_EXPORTER_OTLP_ENDPOINT"] = null, ["DOTNET_NOLOGO"] = "1" },
            dataDir),
        dataDir);

    /// <summary>Waits for dev.json (the platform is up and its demo ran); fails early when the process exits.</summary>
    public async Task<DevFacts> WaitForFactsAsync(TimeSpan timeout)
    {
        var path = Path.Combine(DataDir, "dev.json");
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            if (await DevFacts.TryReadAsync(path).WaitAsync(TimeSpan.FromSeconds(10)) is { RestUrl.Length: > 0, AdminKey.Length: > 0, DemoApiKey.Length: > 0 } facts)
                return facts;
            if (_process.HasExited)
                throw new InvalidOperationException($"dev exited with {_process.ExitCode} before writing dev.json:\n{Output}");
            if (watch.Elapsed > timeout)
                throw new TimeoutException($"dev did not write dev.json within {timeout}:\n{Output}");
            await Task.Delay(200);
        }
    }

    /// <summary>SIGINT (Ctrl-C: dev stops its hosts and its PostgreSQL), then a kill if it is still running after 30 s.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                await _process.InterruptAsync();
                if (!await _process.WaitForExitAsync(TimeSpan.FromSeconds(30)))
                    await _process.KillAsync(entireProcessTree: true);
            }
        }
        finally
        {
            await _process.DisposeAsync();
        }
    }
}
