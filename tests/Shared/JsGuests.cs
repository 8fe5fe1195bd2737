using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;

namespace Platform.Testing;

/// <summary>
/// The JavaScript guests under tests/guests/js/, built into components with the pinned
/// componentize-js (examples/javascript/build.mjs, the examples' own build) once per change: the output is kept in
/// build/guests/js/ under a name that carries the hash of the source, the WIT and the build
/// script, so a run reuses it and an edit rebuilds it. Compiled artifacts are shared through
/// <see cref="ArtifactDirectory"/> (keyed by module hash and engine fingerprint by the cache itself).
/// </summary>
internal static class JsGuests
{
    private static readonly ConcurrentDictionary<string, Lazy<byte[]>> Built = new(StringComparer.Ordinal);

    /// <summary>Where tests keep compiled JS components between runs: a 12 MB component costs 10-30 s to compile.</summary>
    public static string ArtifactDirectory { get; } = Path.Combine(GuestModules.RepositoryRoot, "build", "guests", "js", "artifacts");

    /// <summary>The component built from tests/guests/js/<paramref name="name"/>.js for <paramref name="world"/>.</summary>
    public static byte[] Bytes(string name, string world) =>
        Built.GetOrAdd($"{name}:{world}", _ => new Lazy<byte[]>(() => BuildOnce(name, world))).Value;

    private static byte[] BuildOnce(string name, string world)
    {
        var root = GuestModules.RepositoryRoot;
        var source = Path.Combine(root, "tests", "guests", "js", name + ".js");
        var script = Path.Combine(root, "examples", "javascript", "build.mjs");
        var wit = Path.Combine(root, "wit", "platform-function.wit");
        var key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(
            world + "\n" + File.ReadAllText(source) + "\n" + File.ReadAllText(wit) + "\n" + File.ReadAllText(script))))[..16];
        var output = Path.Combine(root, "build", "guests", "js", $"{name}-{world}-{key}.wasm");
        if (File.Exists(output)) return File.ReadAllBytes(output);

        Directory.CreateDirectory(Path.GetDirectoryName(output)!);
        using var build = Process.Start(new ProcessStartInfo("node", [script, source, world, output])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var stdout = build.StandardOutput.ReadToEndAsync();
        var stderr = build.StandardError.ReadToEndAsync();
        if (!build.WaitForExit(TimeSpan.FromMinutes(4)))
        {
            build.Kill(entireProcessTree: true);
            throw new TimeoutException($"building {name}.js took longer than 4 minutes");
        }

        if (build.ExitCode != 0) throw new InvalidOperationException($"building {name}.js failed ({build.ExitCode}):\n{stdout.Result}\n{stderr.Result}");
        return File.ReadAllBytes(output);
    }
}
