using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace Platform.EndToEnd.Tests;

/// <summary>What dev writes to dev.json.</summary>
public sealed record DevFacts(string RestUrl, string GrpcUrl, string AdminKey, string DemoApiKey);

/// <summary><c>dotnet Platform.Server.dll dev ...</c> as a real child process, with its output collected.</summary>
public sealed class DevProcess : IAsyncDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly Lock _gate = new();

    private DevProcess(Process process, string dataDir)
    {
        _process = process;
        DataDir = dataDir;
    }

    public string DataDir { get; }

    public string FactsPath => Path.Combine(DataDir, "dev.json");

    public string PostmasterPid => Path.Combine(DataDir, "postgres", "data", "postmaster.pid");

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public string Output
    {
        get
        {
            lock (_gate)
                return _output.ToString();
        }
    }

    /// <summary>The server's own build output (with its runtimeconfig and native libraries), built because this project references it.</summary>
    public static string ServerAssembly
    {
        get
        {
            // .../tests/Platform.EndToEnd.Tests/bin/<Configuration>/<tfm>/
            var tfmDir = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            var configuration = tfmDir.Parent!.Name;
            var built = Path.Combine(GuestModules.RepositoryRoot, "src", "Platform.Server", "bin", configuration, tfmDir.Name, "Platform.Server.dll");
            if (File.Exists(built))
                return built;
            var copied = Path.Combine(AppContext.BaseDirectory, "Platform.Server.dll");
            if (File.Exists(copied) && File.Exists(Path.Combine(AppContext.BaseDirectory, "Platform.Server.runtimeconfig.json")))
                return copied;
            throw new FileNotFoundException($"Platform.Server.dll not found at {built}");
        }
    }

    public static DevProcess Start(string dataDir, params string[] extra)
    {
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = dataDir,
        };
        string[] arguments = [ServerAssembly, "dev", "--data-dir", dataDir, .. extra];
        foreach (var argument in arguments)
            info.ArgumentList.Add(argument);
        info.Environment.Remove("ConnectionStrings__Platform");
        info.Environment["DOTNET_NOLOGO"] = "1";
        var process = new Process { StartInfo = info };
        var dev = new DevProcess(process, dataDir);
        process.OutputDataReceived += (_, e) => dev.Append(e.Data);
        process.ErrorDataReceived += (_, e) => dev.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return dev;
    }

    /// <summary>Waits until <paramref name="text"/> appears in the output; fails early if the process exits.</summary>
    public async Task WaitForOutputAsync(string text, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        while (!Output.Contains(text, StringComparison.Ordinal))
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"dev exited with {_process.ExitCode} before printing '{text}':\n{Output}");
            if (watch.Elapsed > timeout)
                throw new TimeoutException($"dev did not print '{text}' within {timeout}:\n{Output}");
            await Task.Delay(50);
        }
    }

    /// <summary>
    /// Waits until the platform is up (the banner, printed after dev.json is written whole) and
    /// reads dev.json; fails early if the process exits.
    /// </summary>
    public async Task<DevFacts> WaitForFactsAsync(TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        await WaitForOutputAsync("Press Ctrl-C to stop.", timeout);
        while (true)
        {
            if (File.Exists(FactsPath))
            {
                try
                {
                    var facts = JsonSerializer.Deserialize<DevFacts>(await File.ReadAllTextAsync(FactsPath).Within(), Json);
                    if (facts is { RestUrl.Length: > 0, GrpcUrl.Length: > 0, AdminKey.Length: > 0, DemoApiKey.Length: > 0 })
                        return facts;
                }
                catch (JsonException)
                {
                    // Still being written.
                }
            }

            if (_process.HasExited)
                throw new InvalidOperationException($"dev exited with {_process.ExitCode} before writing dev.json:\n{Output}");
            if (watch.Elapsed > timeout)
                throw new TimeoutException($"dev did not write dev.json within {timeout}:\n{Output}");
            await Task.Delay(100);
        }
    }

    /// <summary>Sends SIGINT (what Ctrl-C sends) with the kill command.</summary>
    public async Task InterruptAsync()
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-INT", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false })!;
        await kill.WaitForExitAsync().Within();
        Assert.Equal(0, kill.ExitCode);
    }

    /// <summary>Waits for the exit; false when it is still running after <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            // A failed test: ask nicely first, so its PostgreSQL stops too.
            await InterruptAsync();
            if (!await WaitForExitAsync(TimeSpan.FromSeconds(30)))
                _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
            return;
        lock (_gate)
            _output.AppendLine(line);
    }
}
