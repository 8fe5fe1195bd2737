using System.Text;
using System.Text.Json;
using Xunit.Abstractions;

namespace Platform.Cli.Tests;

/// <summary>
/// The WASI testsuite's 72 preview-1 programs, each run through <c>platformctl run</c> with its
/// spec's args and env and checked for exit code and stdout. A program whose spec names a
/// <c>root</c> folder gets a fresh writable copy of it as <c>/</c> (<c>--dir-rw COPY::/</c>), as the
/// suite's own runner does with <c>wasmtime run --dir FOLDER::/</c>. The suite is test data kept
/// beside the repository (<c>../shared/wasi-testsuite</c> from the folder holding Platform.sln), not
/// in it. Programs run with <c>--no-platform-env</c>: the suite's environ programs check that the
/// environment is exactly the one their spec gives, and the PLATFORM_* variables are the only
/// difference the platform makes.
/// </summary>
public sealed class WasiTestsuiteTests(ITestOutputHelper output)
{
    /// <summary>Every preview-1 program of the suite (its README).</summary>
    private const int AllPrograms = 72;

    /// <summary>Programs without a <c>root</c> folder (its README).</summary>
    private const int NoFilesystemPrograms = 23;

    /// <summary>The count this host passes: the run fails below it.</summary>
    private const int PassingFloor = 72;

    [Fact]
    public void Suite_IsPresent_HasEveryProgram()
    {
        var suite = SuiteDirectory();

        Assert.True(suite is not null, MissingMessage());
        var programs = Discover(suite!);
        Assert.Equal(AllPrograms, programs.Count);
        Assert.Equal(NoFilesystemPrograms, programs.Count(program => ReadSpec(suite!, program).Root is null));
        Assert.Contains("rust/wasm32-wasip1/poll_oneoff_stdio", programs);
        Assert.Contains("rust/wasm32-wasip1/symlink_loop", programs);
    }

    [Fact]
    public async Task Suite_RunThroughPlatformctl_PassesAtLeastTheFloor()
    {
        var suite = SuiteDirectory();
        Assert.True(suite is not null, MissingMessage());
        var failures = new List<string>();
        var programs = Discover(suite!);

        foreach (var program in programs)
        {
            var failure = await RunAsync(suite!, program);
            if (failure is not null) failures.Add($"{program}: {failure}");
        }

        var passed = programs.Count - failures.Count;
        output.WriteLine($"{passed} of {programs.Count} WASI testsuite programs pass");
        foreach (var failure in failures) output.WriteLine(failure);
        Assert.True(passed >= PassingFloor, $"{passed} of {programs.Count} pass, below the floor of {PassingFloor}:\n{string.Join("\n", failures)}");
    }

    /// <summary>Runs one program; null when it matches its spec, otherwise why not.</summary>
    private static async Task<string?> RunAsync(string suite, string program)
    {
        var spec = ReadSpec(suite, program);
        var args = new List<string> { "run", Path.Combine(suite, program + ".wasm"), "--json", "--no-platform-env" };
        foreach (var arg in spec.Args) args.AddRange(["--arg", arg]);
        foreach (var (name, value) in spec.Env) args.AddRange(["--env", $"{name}={value}"]);
        var copy = spec.Root is null ? null : CopyRoot(Path.Combine(Path.GetDirectoryName(Path.Combine(suite, program))!, spec.Root));
        try
        {
            if (copy is not null) args.AddRange(["--dir-rw", copy + "::/"]);
            var result = await PlatformCtlProcess.RunAsync([], new Dictionary<string, string?>(), [.. args]);
            using var document = JsonDocument.Parse(result.Stdout);
            var json = document.RootElement;
            var outcome = json.GetProperty("outcome").GetString();
            var exitCode = json.GetProperty("exitCode").ValueKind == JsonValueKind.Number ? json.GetProperty("exitCode").GetInt32() : (int?)null;
            var logs = json.GetProperty("logs").GetString();
            if (outcome is not ("OK" or "EXIT_NONZERO") || exitCode != spec.ExitCode)
                return $"{outcome} exit {exitCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"} (expected {spec.ExitCode}): {json.GetProperty("message").GetString()} {Tail(logs)}";
            var stdout = json.GetProperty("output").GetString();
            return spec.Stdout is not null && spec.Stdout != stdout ? $"stdout '{stdout}' (expected '{spec.Stdout}')" : null;
        }
        finally
        {
            if (copy is not null) Directory.Delete(copy, recursive: true);
        }
    }

    /// <summary>A fresh writable copy of a program's folder (the suite's files are read-only; the programs create and delete files).</summary>
    private static string CopyRoot(string source)
    {
        var target = Directory.CreateTempSubdirectory("wasi-testsuite-").FullName;
        foreach (var directory in Directory.EnumerateDirectories(source, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(Path.Combine(target, Path.GetRelativePath(source, directory)));
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var copied = Path.Combine(target, Path.GetRelativePath(source, file));
            File.Copy(file, copied);
            File.SetAttributes(copied, File.GetAttributes(copied) & ~FileAttributes.ReadOnly);
        }

        return target;
    }

    private static string Tail(string? logs) => logs is null || logs.Length <= 400 ? logs ?? "" : logs[^400..];

    private sealed record Spec(IReadOnlyList<string> Args, IReadOnlyList<(string Name, string Value)> Env, int ExitCode, string? Stdout, string? Root);

    private static Spec ReadSpec(string suite, string program)
    {
        var path = Path.Combine(suite, program + ".json");
        if (!File.Exists(path)) return new Spec([], [], 0, null, null);
        using var document = JsonDocument.Parse(File.ReadAllText(path, Encoding.UTF8));
        var root = document.RootElement;
        var args = root.TryGetProperty("args", out var a) ? a.EnumerateArray().Select(x => x.GetString()!).ToList() : [];
        var env = root.TryGetProperty("env", out var e) ? e.EnumerateObject().Select(x => (x.Name, x.Value.GetString()!)).ToList() : [];
        var exitCode = root.TryGetProperty("exit_code", out var code) ? code.GetInt32() : 0;
        var stdout = root.TryGetProperty("stdout", out var output) ? output.GetString() : null;
        var folder = root.TryGetProperty("root", out var r) ? r.GetString() : null;
        return new Spec(args, env, exitCode, stdout, folder);
    }

    /// <summary>Every preview-1 program, as a path without extension relative to the suite.</summary>
    private static List<string> Discover(string suite) =>
        Directory.EnumerateFiles(suite, "*.wasm", SearchOption.AllDirectories)
            .Where(path => Path.GetFileName(Path.GetDirectoryName(path)) == "wasm32-wasip1")
            .Select(path => Path.GetRelativePath(suite, Path.ChangeExtension(path, null)).Replace('\\', '/'))
            .Order(StringComparer.Ordinal)
            .ToList();

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
