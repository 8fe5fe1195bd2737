using System.Diagnostics;
using System.Text;

namespace Platform.Cli.Tests;

/// <summary>Runs the real platformctl executable, feeding stdin and capturing everything.</summary>
internal static class PlatformCtlProcess
{
    public static readonly string CacheDir = Path.Combine(Path.GetTempPath(), "platformctl-tests", Guid.NewGuid().ToString("N"));

    /// <summary>The variables every run clears unless the test sets them, so the machine's own settings never leak in.</summary>
    private static readonly string[] PlatformVariables = ["PLATFORM_URL", "PLATFORM_API_KEY"];

    public sealed record Result(int ExitCode, byte[] StdoutBytes, string Stderr)
    {
        public string Stdout => Encoding.UTF8.GetString(StdoutBytes);
    }

    public static Task<Result> RunAsync(string input, params string[] args) =>
        RunAsync(Encoding.UTF8.GetBytes(input), new Dictionary<string, string?>(), args);

    /// <param name="stdin">Written to the process's stdin, which is then closed (stdin is always redirected).</param>
    /// <param name="environment">Variables to set; PLATFORM_URL and PLATFORM_API_KEY are removed unless given here.</param>
    public static async Task<Result> RunAsync(byte[] stdin, IReadOnlyDictionary<string, string?> environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardErrorEncoding = Encoding.UTF8,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "platformctl.dll"));
        foreach (var arg in args) start.ArgumentList.Add(arg);
        if (args.Length > 0 && args[0] == "run")
        {
            start.ArgumentList.Add("--cache-dir");
            start.ArgumentList.Add(CacheDir);
        }

        foreach (var name in PlatformVariables) start.Environment.Remove(name);
        foreach (var (name, value) in environment)
        {
            if (value is null) start.Environment.Remove(name);
            else start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            var stdout = new MemoryStream();
            var copyOut = process.StandardOutput.BaseStream.CopyToAsync(stdout, timeout.Token);
            var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
            try
            {
                await process.StandardInput.BaseStream.WriteAsync(stdin, timeout.Token);
                process.StandardInput.Close();
            }
            catch (IOException)
            {
                // The tool exited without reading all of its stdin (it did not need it).
            }

            await process.WaitForExitAsync(timeout.Token);
            await copyOut;
            return new Result(process.ExitCode, stdout.ToArray(), await stderr);
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
    }
}
