using System.Diagnostics;
using System.Text;

namespace Platform.Cli.Tests;

/// <summary>Runs the real platformctl executable, feeding stdin and capturing everything.</summary>
internal static class PlatformCtlProcess
{
    public static readonly string CacheDir = Path.Combine(Path.GetTempPath(), "platformctl-tests", Guid.NewGuid().ToString("N"));

    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    public static async Task<Result> RunAsync(string input, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "platformctl.dll"));
        foreach (var arg in args) start.ArgumentList.Add(arg);
        if (args.Length > 0 && args[0] == "run")
        {
            start.ArgumentList.Add("--cache-dir");
            start.ArgumentList.Add(CacheDir);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.StandardInput.WriteAsync(input);
        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return new Result(process.ExitCode, await stdout, await stderr);
    }
}
