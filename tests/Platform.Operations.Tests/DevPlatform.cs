using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Platform.Testing;

namespace Platform.Operations.Tests;

/// <summary>What <c>dev</c> writes to dev.json; <see cref="MetricsUrl"/> is the platform's one scrape URL (older builds: none, the REST listener's /metrics).</summary>
public sealed record DevFacts(string RestUrl, string GrpcUrl, string AdminKey, string DemoApiKey, string? MetricsUrl = null)
{
    public Uri Metrics => new(MetricsUrl is { Length: > 0 } url ? url : RestUrl.TrimEnd('/') + "/metrics");
}

/// <summary><c>dotnet Platform.Server.dll dev ...</c> as a child process: the platform the operations test watches.</summary>
public sealed class DevPlatform : IAsyncDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly Lock _gate = new();

    private DevPlatform(Process process, string dataDir)
    {
        _process = process;
        DataDir = dataDir;
    }

    public string DataDir { get; }

    public string Output
    {
        get
        {
            lock (_gate)
                return _output.ToString();
        }
    }

    /// <summary>src/Platform.Server/bin/&lt;Configuration&gt;/&lt;tfm&gt;/Platform.Server.dll, built because this project references it.</summary>
    public static string ServerAssembly
    {
        get
        {
            // .../tests/Platform.Operations.Tests/bin/<Configuration>/<tfm>/
            var tfmDir = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            var built = Path.Combine(GuestModules.RepositoryRoot, "src", "Platform.Server", "bin", tfmDir.Parent!.Name, tfmDir.Name, "Platform.Server.dll");
            return File.Exists(built) ? built : throw new FileNotFoundException($"Platform.Server.dll not found at {built}: build the solution first");
        }
    }

    /// <summary>Starts <c>dev --data-dir DIR</c> with <paramref name="arguments"/>.</summary>
    public static DevPlatform Start(string dataDir, IEnumerable<string> arguments)
    {
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = dataDir,
        };
        foreach (var argument in (string[])[ServerAssembly, "dev", "--data-dir", dataDir, .. arguments])
            info.ArgumentList.Add(argument);
        info.Environment.Remove("ConnectionStrings__Platform");
        info.Environment.Remove("OTEL_EXPORTER_OTLP_ENDPOINT");
        info.Environment["DOTNET_NOLOGO"] = "1";
        var process = new Process { StartInfo = info };
        var dev = new DevPlatform(process, dataDir);
        process.OutputDataReceived += (_, e) => dev.Append(e.Data);
        process.ErrorDataReceived += (_, e) => dev.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return dev;
    }

    /// <summary>Waits for dev.json (the platform is up and its demo ran); fails early when the process exits.</summary>
    public async Task<DevFacts> WaitForFactsAsync(TimeSpan timeout)
    {
        var path = Path.Combine(DataDir, "dev.json");
        var watch = Stopwatch.StartNew();
        while (true)
        {
            if (File.Exists(path))
            {
                try
                {
                    var facts = JsonSerializer.Deserialize<DevFacts>(await File.ReadAllTextAsync(path).WaitAsync(TimeSpan.FromSeconds(10)), Json);
                    if (facts is { RestUrl.Length: > 0, AdminKey.Length: > 0, DemoApiKey.Length: > 0 })
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
                using (var kill = Process.Start(new ProcessStartInfo("kill", ["-INT", _process.Id.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false }))
                    await kill!.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                try
                {
                    await _process.WaitForExitAsync(cts.Token);
                }
                catch (OperationCanceledException)
                {
                    _process.Kill(entireProcessTree: true);
                }
            }
        }
        finally
        {
            _process.Dispose();
        }
    }

    private void Append(string? line)
    {
        if (line is null)
            return;
        lock (_gate)
            _output.AppendLine(line);
    }
}
