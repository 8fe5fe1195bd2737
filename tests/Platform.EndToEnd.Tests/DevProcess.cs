using Platform.Testing.Processes;

namespace Platform.EndToEnd.Tests;

/// <summary><c>dotnet Platform.Server.dll dev ...</c> as a real child process, with its output collected.</summary>
public sealed class DevProcess : IAsyncDisposable
{
    private readonly ChildProcess _process;

    private DevProcess(ChildProcess process, string dataDir)
    {
        _process = process;
        DataDir = dataDir;
    }

    public string DataDir { get; }

    public string FactsPath => Path.Combine(DataDir, "dev.json");

    public string PostmasterPid => Path.Combine(DataDir, "postgres", "data", "postmaster.pid");

    public int ExitCode => _process.ExitCode;

    /// <summary>The dev process (its memory is the platform's: control plane and workers run in it).</summary>
    public int ProcessId => _process.Id;

    public string Output => _process.Output;

    public static DevProcess Start(string dataDir, params string[] extra) => new(
        ChildProcess.Start(
            "dev",
            ServerBinary.Host,
            [ServerBinary.Path, "dev", "--data-dir", dataDir, .. extra],
            new Dictionary<string, string?> { ["ConnectionStrings__Platform"] = null, ["DOTNET_NOLOGO"] = "1" },
            dataDir),
        dataDir);

    /// <summary>Waits until <paramref name="text"/> appears in the output; fails early if the process exits.</summary>
    public Task WaitForOutputAsync(string text, TimeSpan timeout) =>
        _process.WaitForLineAsync(line => line.Contains(text, StringComparison.Ordinal), timeout);

    /// <summary>
    /// Waits until the platform is up (the banner, printed after dev.json is written whole) and
    /// reads dev.json; fails early if the process exits.
    /// </summary>
    public async Task<DevFacts> WaitForFactsAsync(TimeSpan timeout)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        await WaitForOutputAsync("Press Ctrl-C to stop.", timeout);
        while (true)
        {
            if (await DevFacts.TryReadAsync(FactsPath).Within() is { RestUrl.Length: > 0, GrpcUrl.Length: > 0, AdminKey.Length: > 0, DemoApiKey.Length: > 0 } facts)
                return facts;
            if (_process.HasExited)
                throw new InvalidOperationException($"dev exited with {_process.ExitCode} before writing dev.json:\n{Output}");
            if (watch.Elapsed > timeout)
                throw new TimeoutException($"dev did not write dev.json within {timeout}:\n{Output}");
            await Task.Delay(100);
        }
    }

    /// <summary>Sends SIGINT (what Ctrl-C sends) with the kill command.</summary>
    public async Task InterruptAsync() => Assert.True(await _process.InterruptAsync().Within(), $"kill -INT {_process.Id} failed");

    /// <summary>Waits for the exit; false when it is still running after <paramref name="timeout"/>.</summary>
    public Task<bool> WaitForExitAsync(TimeSpan timeout) => _process.WaitForExitAsync(timeout);

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            // A failed test: ask nicely first, so its PostgreSQL stops too.
            await InterruptAsync();
            if (!await WaitForExitAsync(TimeSpan.FromSeconds(30)))
                await _process.KillAsync(entireProcessTree: true);
        }

        await _process.DisposeAsync();
    }
}
