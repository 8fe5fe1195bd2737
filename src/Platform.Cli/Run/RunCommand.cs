using System.CommandLine;

namespace Platform.Cli.Run;

/// <summary><c>platformctl run FILE</c>: the function author's local loop, like <c>wasmtime run</c>.</summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var file = new Argument<FileInfo>("FILE") { Description = "The function: a .wasm module or .wat text." };
        var fuel = new Option<long>("--fuel") { Description = "Fuel limit.", DefaultValueFactory = _ => Runtime.InvocationLimits.DefaultFuel };
        var memory = new Option<int>("--memory-mb") { Description = "Memory limit in MiB.", DefaultValueFactory = _ => Runtime.InvocationLimits.DefaultMemoryMb };
        var timeout = new Option<int>("--timeout-ms") { Description = "Wall-clock limit in milliseconds.", DefaultValueFactory = _ => Runtime.InvocationLimits.DefaultTimeoutMs };
        var arg = new Option<string[]>("--arg") { Description = "An argument passed to the function (repeatable).", AllowMultipleArgumentsPerToken = false };
        var env = new Option<string[]>("--env") { Description = "An environment variable K=V (repeatable)." };
        var noPlatformEnv = new Option<bool>("--no-platform-env") { Description = "Leave out the PLATFORM_* variables the platform adds, for programs that check their exact environment." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object with the outcome instead of the output." };
        var dir = new Option<string[]>("--dir") { Description = "Preopen a host directory read-only: HOST[::GUEST], GUEST defaulting to its last name (repeatable)." };
        var dirRw = new Option<string[]>("--dir-rw") { Description = "Preopen a host directory writable: HOST[::GUEST] (repeatable)." };
        var cacheDir = new Option<DirectoryInfo?>("--cache-dir") { Description = "Where compiled artifacts are kept (default: the user cache folder)." };

        var command = new Command("run", "Run a function locally under the platform's limits: stdin is the input, stdout the output, stderr the logs.")
        {
            file, fuel, memory, timeout, arg, env, noPlatformEnv, json, cacheDir, dir, dirRw,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var settings = new RunSettings(
                parse.GetRequiredValue(file),
                parse.GetValue(fuel),
                parse.GetValue(memory),
                parse.GetValue(timeout),
                parse.GetValue(arg) ?? [],
                parse.GetValue(env) ?? [],
                parse.GetValue(noPlatformEnv),
                parse.GetValue(json),
                parse.GetValue(cacheDir)?.FullName ?? LocalRunner.DefaultCacheDir(),
                parse.GetValue(dir) ?? [],
                parse.GetValue(dirRw) ?? []);
            var problems = settings.Problems();
            if (problems.Count > 0)
            {
                foreach (var problem in problems) await Console.Error.WriteLineAsync($"platformctl: {problem}");
                return ExitCodes.Usage;
            }

            return await LocalRunner.RunAsync(settings, Console.OpenStandardInput(), Console.IsInputRedirected, Console.OpenStandardOutput(), Console.Error, cancellationToken);
        });
        return command;
    }
}
