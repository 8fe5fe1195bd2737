
namespace Platform.Testing.Processes;

/// <summary>Where the server executable is, for tests and benchmarks that run it as a child process.</summary>
public static class ServerBinary
{
    /// <summary>
    /// src/Platform.Server/bin/&lt;Configuration&gt;/&lt;tfm&gt;/Platform.Server.dll, in the configuration
    /// the calling program was built with (it references the server, so the build made it).
    /// </summary>
    public static string Path { get; } = Find();

    /// <summary>The dotnet host to run <see cref="Path"/> with: under <c>dotnet test</c> the one running the tests (DOTNET_HOST_PATH), else dotnet from PATH.</summary>
    public static string Host { get; } = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";

    private static string Find()
    {
        // .../<project>/bin/<Configuration>/<tfm>/
        var tfmDir = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(System.IO.Path.DirectorySeparatorChar));
        var configuration = tfmDir.Parent?.Name ?? "Debug";
        for (var directory = tfmDir; directory is not null; directory = directory.Parent)
        {
            if (!File.Exists(System.IO.Path.Combine(directory.FullName, "Platform.sln"))) continue;
            var built = System.IO.Path.Combine(directory.FullName, "src", "Platform.Server", "bin", configuration, tfmDir.Name, "Platform.Server.dll");
            if (File.Exists(built)) return built;
            break;
        }

        var copied = System.IO.Path.Combine(AppContext.BaseDirectory, "Platform.Server.dll");
        return File.Exists(copied) && File.Exists(System.IO.Path.Combine(AppContext.BaseDirectory, "Platform.Server.runtimeconfig.json"))
            ? copied
            : throw new FileNotFoundException($"Platform.Server.dll was not built for {configuration}: build src/Platform.Server first");
    }
}
