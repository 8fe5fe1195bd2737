using System.Diagnostics;
using System.Runtime.Versioning;
using System.Text;
using Platform.Testing.Processes;

namespace Platform.EndToEnd.Tests;

/// <summary>
/// The README as a newcomer uses it: a fresh clone of the committed tree, the README's own
/// <c>dev</c> command run from its root, then the quick start's lines in bash in that clone,
/// each printing what the README shows. Only the listeners' ports are moved (to free ones,
/// through the environment), so that the test never collides with anything on the machine.
/// </summary>
[Collection(DevCollection.Name)]
[SupportedOSPlatform("linux")]
public sealed class QuickStartTests : IDisposable
{
    private const string StepEnd = "@@quick-start-step-end@@";

    /// <summary>Restore and build of the server in the clone, then PostgreSQL's initdb: minutes on a busy machine.</summary>
    private static readonly TimeSpan DevReady = TimeSpan.FromMinutes(15);

    private readonly string _parent;
    private readonly string _clone;

    public QuickStartTests()
    {
        // As root the private PostgreSQL runs as `postgres`: every parent of its folder must be traversable.
        var tmp = Directory.Exists("/tmp") ? "/tmp" : Path.GetTempPath();
        _parent = Path.Combine(tmp, $"platform-quickstart-{Guid.NewGuid():N}"[..32]);
        Directory.CreateDirectory(_parent, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        _clone = Path.Combine(_parent, "platform");
    }

    [Fact]
    public async Task Readme_QuickStart_WorksAsWritten_FromAFreshClone()
    {
        var readme = ReadmeQuickStart.Parse(await File.ReadAllTextAsync(Path.Combine(GuestModules.RepositoryRoot, "README.md")));
        var clone = await RunAsync("git", ["clone", "--quiet", GuestModules.RepositoryRoot, _clone], _parent, Environment(), TimeSpan.FromMinutes(3));
        Assert.True(clone.ExitCode == 0, $"git clone failed ({clone.ExitCode}):\n{clone.Output}");

        // setsid: the command gets a process group of its own, so the test can press Ctrl-C on all of it.
        var dev = ChildProcess.Start("readme dev", "setsid", ["bash", "-c", readme.DevCommand], DevEnvironment(), _clone);
        bool stopped;
        try
        {
            await dev.WaitForLineAsync(line => line.Contains("Press Ctrl-C to stop.", StringComparison.Ordinal), DevReady);
            var dataDirectory = Path.Combine(_clone, ".platform");
            Assert.Contains($"data       {dataDirectory}\n", dev.Output, StringComparison.Ordinal);
            Assert.True(File.Exists(Path.Combine(dataDirectory, "dev.json")), $"dev.json is not in the directory dev ran from:\n{dev.Output}");

            var script = new StringBuilder("set -euo pipefail\n");
            foreach (var step in readme.Steps)
                script.Append(step.Command).Append('\n').Append($"printf '\\n{StepEnd}\\n'\n");
            var run = await RunAsync("bash", ["-c", script.ToString()], _clone, Environment(), TimeSpan.FromMinutes(3));
            Assert.True(run.ExitCode == 0, $"the quick start failed ({run.ExitCode}):\n{run.Output}\n{run.Errors}");

            var outputs = run.Output.Split($"\n{StepEnd}\n");
            Assert.Equal(readme.Steps.Count + 1, outputs.Length);
            Assert.Equal("", outputs[^1]);
            for (var i = 0; i < readme.Steps.Count; i++)
            {
                var step = readme.Steps[i];
                Assert.True(step.Matches(outputs[i]), $"`{step.Command}` printed\n{outputs[i]}\nbut the README shows\n{step.Expected ?? "(nothing)"}\nstderr:\n{run.Errors}");
            }
        }
        finally
        {
            stopped = await StopAsync(dev);
        }

        Assert.True(stopped, "dev did not stop within 60 s of Ctrl-C, or left its PostgreSQL running");
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_parent, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A temp folder; left behind.
        }
    }

    /// <summary>
    /// What Ctrl-C does in a terminal: SIGINT to the whole group; then waits for dev to stop its
    /// PostgreSQL. False (after killing what is left) when it did not.
    /// </summary>
    private async Task<bool> StopAsync(ChildProcess dev)
    {
        var group = $"-{dev.Id}";
        await RunAsync("kill", ["-INT", "--", group], _parent, Environment(), TimeSpan.FromSeconds(10));
        var postmaster = Path.Combine(_clone, ".platform", "postgres", "data", "postmaster.pid");
        var stopped = await dev.WaitForExitAsync(TimeSpan.FromSeconds(60));
        for (var waited = 0; stopped && File.Exists(postmaster) && waited < 600; waited++)
            await Task.Delay(100);
        stopped &= !File.Exists(postmaster);
        if (!stopped)
        {
            await RunAsync("kill", ["-KILL", "--", group], _parent, Environment(), TimeSpan.FromSeconds(10));
            if (File.Exists(postmaster) && int.TryParse(File.ReadLines(postmaster).FirstOrDefault(), out var pid))
                await RunAsync("kill", ["-KILL", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)], _parent, Environment(), TimeSpan.FromSeconds(10));
        }

        await dev.DisposeAsync();
        return stopped;
    }

    /// <summary>
    /// The test's environment without what would change what the README's lines do: a
    /// configured database, the quick start's own variables, and the build settings of the
    /// <c>dotnet test</c> that runs this (the clone builds as a user's checkout would).
    /// </summary>
    private static Dictionary<string, string?> Environment()
    {
        var environment = new Dictionary<string, string?>
        {
            ["ConnectionStrings__Platform"] = null,
            ["PLATFORM_URL"] = null,
            ["PLATFORM_API_KEY"] = null,
            ["DOTNET_NOLOGO"] = "1",
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
            // No MSBuild node stays behind after the test.
            ["MSBUILDDISABLENODEREUSE"] = "1",
        };
        foreach (var key in System.Environment.GetEnvironmentVariables().Keys.Cast<string>())
        {
            if (key.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase) && key != "MSBUILDDISABLENODEREUSE")
                environment[key] = null;
        }

        return environment;
    }

    /// <summary>Every listener on a free loopback port (the workers already are), through the environment: the command stays the README's.</summary>
    private static Dictionary<string, string?> DevEnvironment()
    {
        var environment = Environment();
        foreach (var key in new[] { "RestUrl", "GrpcUrl", "ClusterUrl", "MetricsUrl" })
            environment[$"Platform__{key}"] = "http://127.0.0.1:0";
        return environment;
    }

    private sealed record Result(int ExitCode, string Output, string Errors);

    private static async Task<Result> RunAsync(string file, string[] arguments, string directory, Dictionary<string, string?> environment, TimeSpan timeout)
    {
        var info = new ProcessStartInfo(file, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = directory,
        };
        foreach (var (key, value) in environment)
        {
            if (value is null) info.Environment.Remove(key);
            else info.Environment[key] = value;
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {file}");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
            throw new TimeoutException($"{file} {string.Join(' ', arguments)} did not finish within {timeout}:\n{await output.Within()}\n{await errors.Within()}");
        }

        return new Result(process.ExitCode, await output.Within(), await errors.Within());
    }
}
