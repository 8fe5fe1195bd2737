using System.Diagnostics;

namespace Platform.Operations.Tests;

/// <summary>The Debian tools these tests drive (installed by scripts/install-prerequisites.sh).</summary>
internal static class Tools
{
    public const string Install = "install it with scripts/install-prerequisites.sh (Debian packages prometheus, docker-compose)";

    /// <summary>The full path of <paramref name="name"/> on PATH; fails the test when it is missing.</summary>
    public static string Require(string name)
    {
        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(directory, name);
            if (File.Exists(candidate))
                return candidate;
        }

        Assert.Fail($"'{name}' is not on PATH: {Install}");
        return null!;
    }

    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public string Output => (Stdout + Stderr).Trim();
    }

    /// <summary>Runs a program to its end within <paramref name="timeout"/> (killed and failed past it).</summary>
    public static async Task<Result> RunAsync(string file, IEnumerable<string> arguments, TimeSpan? timeout = null, string? workingDirectory = null, IDictionary<string, string?>? environment = null)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Repository.Root,
        };
        foreach (var argument in arguments)
            info.ArgumentList.Add(argument);
        if (environment is not null)
        {
            foreach (var (key, value) in environment)
            {
                if (value is null)
                    info.Environment.Remove(key);
                else
                    info.Environment[key] = value;
            }
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {file}");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        var limit = timeout ?? TimeSpan.FromSeconds(60);
        using var cts = new CancellationTokenSource(limit);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', info.ArgumentList)} did not finish within {limit}");
        }

        return new Result(process.ExitCode, await stdout, await stderr);
    }
}
