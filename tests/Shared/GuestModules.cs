using System.Diagnostics;

namespace Platform.Testing;

/// <summary>
/// The C guests under examples/ and tests/guests/, built by the repository's own script
/// (examples/build.sh) into build/guests/. Built once per test run when missing.
/// </summary>
internal static class GuestModules
{
    private static readonly Lazy<string> Directory = new(BuildOnce);

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>The path of build/guests/NAME.wasm (or NAME for other files, e.g. cpu-native).</summary>
    public static string PathOf(string name) =>
        System.IO.Path.Combine(Directory.Value, name.Contains('.', StringComparison.Ordinal) || name.EndsWith("-native", StringComparison.Ordinal) ? name : name + ".wasm");

    public static byte[] Bytes(string name) => File.ReadAllBytes(PathOf(name));

    private static string BuildOnce()
    {
        var directory = System.IO.Path.Combine(RepositoryRoot, "build", "guests");
        if (new[] { "hello.wasm", "membomb.wasm", "files.wasm", "lookup.wasm" }.All(name => File.Exists(System.IO.Path.Combine(directory, name)))) return directory;

        using var build = Process.Start(new ProcessStartInfo("bash", [System.IO.Path.Combine(RepositoryRoot, "examples", "build.sh")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var output = build.StandardOutput.ReadToEndAsync();
        var errors = build.StandardError.ReadToEndAsync();
        if (!build.WaitForExit(TimeSpan.FromMinutes(10))) throw new TimeoutException("examples/build.sh took longer than 10 minutes");
        if (build.ExitCode != 0) throw new InvalidOperationException($"examples/build.sh failed ({build.ExitCode}):\n{output.Result}\n{errors.Result}");
        return directory;
    }

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(directory.FullName, "Platform.sln"))) return directory.FullName;
        }

        throw new InvalidOperationException("Platform.sln not found above " + AppContext.BaseDirectory);
    }
}
