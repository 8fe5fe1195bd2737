using System.Text.Json;

namespace Platform.Cli.Tests;

/// <summary>
/// The WASI testsuite's preview-1 programs that need no filesystem, each run through
/// <c>platformctl run</c> with its spec's args and env and checked for exit code and stdout. The
/// suite is test data kept beside the repository (<c>../shared/wasi-testsuite</c> from the folder
/// holding Platform.sln), not in it. Programs run with <c>--no-platform-env</c>: the suite's
/// environ programs check that the environment is exactly the one their spec gives, and the
/// PLATFORM_* variables are the only difference the platform makes.
/// </summary>
public sealed class WasiTestsuiteTests
{
    /// <summary>The suite's own count of programs without a <c>root</c> folder (its README).</summary>
    private const int NoFilesystemPrograms = 23;

    private const string SuiteMissing = "(the WASI testsuite folder is missing)";

    public static TheoryData<string> Programs()
    {
        var suite = SuiteDirectory();
        return suite is null ? new TheoryData<string>(SuiteMissing) : new TheoryData<string>(Discover(suite));
    }

    [Fact]
    public void Suite_IsPresent_HasEveryProgramThatNeedsNoFilesystem()
    {
        var suite = SuiteDirectory();

        Assert.True(suite is not null, MissingMessage());
        var programs = Discover(suite!);
        Assert.Equal(NoFilesystemPrograms, programs.Count);
        Assert.Contains("rust/wasm32-wasip1/poll_oneoff_stdio", programs);
    }

    [Theory]
    [MemberData(nameof(Programs))]
    public async Task Program_RunThroughPlatformctl_MatchesItsSpec(string program)
    {
        Assert.True(program != SuiteMissing, MissingMessage());
        var suite = SuiteDirectory()!;
        var wasm = Path.Combine(suite, program + ".wasm");
        var spec = ReadSpec(Path.Combine(suite, program + ".json"));
        var args = new List<string> { "run", wasm, "--json", "--no-platform-env" };
        foreach (var arg in spec.Args) args.AddRange(["--arg", arg]);
        foreach (var (name, value) in spec.Env) args.AddRange(["--env", $"{name}={value}"]);

        var result = await PlatformCtlProcess.RunAsync([], new Dictionary<string, string?>(), [.. args]);

        using var document = JsonDocument.Parse(result.Stdout);
        var json = document.RootElement;
        var outcome = json.GetProperty("outcome").GetString();
        var logs = json.GetProperty("logs").GetString();
        Assert.True(outcome is "OK" or "EXIT_NONZERO", $"{program}: {outcome}: {json.GetProperty("message").GetString()}\n{logs}");
        Assert.Equal(spec.ExitCode, json.GetProperty("exitCode").GetInt32());
        if (spec.Stdout is not null) Assert.Equal(spec.Stdout, json.GetProperty("output").GetString());
    }

    private sealed record Spec(IReadOnlyList<string> Args, IReadOnlyList<(string Name, string Value)> Env, int ExitCode, string? Stdout);

    private static Spec ReadSpec(string path)
    {
        if (!File.Exists(path)) return new Spec([], [], 0, null);
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        var root = document.RootElement;
        var args = root.TryGetProperty("args", out var a) ? a.EnumerateArray().Select(x => x.GetString()!).ToList() : [];
        var env = root.TryGetProperty("env", out var e) ? e.EnumerateObject().Select(x => (x.Name, x.Value.GetString()!)).ToList() : [];
        var exitCode = root.TryGetProperty("exit_code", out var code) ? code.GetInt32() : 0;
        var stdout = root.TryGetProperty("stdout", out var output) ? output.GetString() : null;
        return new Spec(args, env, exitCode, stdout);
    }

    /// <summary>Every preview-1 program whose spec asks for no folder (<c>root</c>, or <c>dirs</c> in older specs), as a path without extension.</summary>
    private static List<string> Discover(string suite) =>
        Directory.EnumerateFiles(suite, "*.wasm", SearchOption.AllDirectories)
            .Where(path => Path.GetFileName(Path.GetDirectoryName(path)) == "wasm32-wasip1")
            .Where(path => !NeedsFilesystem(Path.ChangeExtension(path, ".json")))
            .Select(path => Path.GetRelativePath(suite, Path.ChangeExtension(path, null)).Replace('\\', '/'))
            .Order(StringComparer.Ordinal)
            .ToList();

    private static bool NeedsFilesystem(string specPath)
    {
        if (!File.Exists(specPath)) return false;
        using var document = JsonDocument.Parse(File.ReadAllText(specPath));
        return document.RootElement.TryGetProperty("root", out _) || document.RootElement.TryGetProperty("dirs", out _);
    }

    private static string? SuiteDirectory()
    {
        var root = RepositoryRoot();
        if (root is null) return null;
        var suite = Path.GetFullPath(Path.Combine(root, "..", "shared", "wasi-testsuite"));
        return Directory.Exists(suite) ? suite : null;
    }

    private static string? RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Platform.sln"))) return dir.FullName;
        }

        return null;
    }

    private static string MissingMessage() =>
        $"The WASI testsuite was not found at ../shared/wasi-testsuite beside the repository root ({RepositoryRoot() ?? "no Platform.sln above " + AppContext.BaseDirectory}). "
        + "CI has it there; put the suite's preview-1 programs there to run these tests.";
}
