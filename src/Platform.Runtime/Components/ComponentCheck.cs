using System.Text.RegularExpressions;

namespace Platform.Runtime.Components;

/// <summary>
/// The component ABI, checked on the binary before compiling: the top level exports exactly one
/// world function (<c>invoke</c> or <c>handle</c>) and otherwise only the types its signature
/// names, and imports only the WASI preview 2 interfaces the platform links (plus the world's
/// own <c>platform:function/http-types</c>; the file-system interfaces only because JavaScript
/// components always import them, and with nothing preopened). Anything else is refused here, naming the import,
/// rather than failing at run time.
/// </summary>
internal static partial class ComponentCheck
{
    public const string HttpTypesInterface = "platform:function/http-types@1.0.0";

    /// <summary>Interfaces of WASI 0.2 that <c>AddWasiPreview2()</c> links and a function may use.</summary>
    private static readonly HashSet<string> AllowedWasi = new(StringComparer.Ordinal)
    {
        "wasi:cli/environment", "wasi:cli/stdin", "wasi:cli/stdout", "wasi:cli/stderr", "wasi:cli/exit",
        "wasi:cli/terminal-input", "wasi:cli/terminal-output",
        "wasi:cli/terminal-stdin", "wasi:cli/terminal-stdout", "wasi:cli/terminal-stderr",
        "wasi:clocks/monotonic-clock", "wasi:clocks/wall-clock",
        "wasi:random/random", "wasi:random/insecure", "wasi:random/insecure-seed",
        "wasi:io/error", "wasi:io/poll", "wasi:io/streams",

        // JavaScript components (StarlingMonkey) import these whatever the source uses. They are
        // linked with no preopened directory, so a component sees an empty file system.
        "wasi:filesystem/types", "wasi:filesystem/preopens",
    };

    /// <summary>The world the component targets, or an error naming what is wrong.</summary>
    public static (ComponentWorld? World, string? Error) Check(ReadOnlySpan<byte> bytes)
    {
        if (!ComponentBinary.TryRead(bytes, out var surface, out var parseError))
            return (null, $"malformed component: {parseError}");

        foreach (var import in surface!.Imports)
        {
            // A type equal to one the component defines (how a world's used records may arrive) asks nothing of the host.
            if (import.Kind == ComponentBinary.ItemKind.Type) continue;
            if (import.Kind != ComponentBinary.ItemKind.Instance || !IsAllowedImport(import.Name))
                return (null, $"import `{import.Name}` is not allowed: components may import only wasi:cli, wasi:clocks, wasi:random, wasi:io and wasi:filesystem (WASI 0.2, nothing preopened) and {HttpTypesInterface}");
        }

        ComponentWorld? world = null;
        foreach (var export in surface.Exports)
        {
            if (export.Kind == ComponentBinary.ItemKind.Type) continue;
            var candidate = export.Kind != ComponentBinary.ItemKind.Function ? null : export.Name switch
            {
                ComponentWorlds.InvokeExport => ComponentWorld.Invoke,
                ComponentWorlds.HttpExport => ComponentWorld.Http,
                _ => (ComponentWorld?)null,
            };
            if (candidate is null)
                return (null, $"export `{export.Name}` is not allowed: a component exports one function, `invoke` (world invoke) or `handle` (world http) of platform:function@1.0.0");
            if (world is not null)
                return (null, "the component exports both `invoke` and `handle`; a function targets one world");
            world = candidate;
        }

        return world is null
            ? (null, "the component exports neither `invoke` (world invoke) nor `handle` (world http) of platform:function@1.0.0")
            : (world, null);
    }

    private static bool IsAllowedImport(string name)
    {
        if (name == HttpTypesInterface) return true;
        var match = WasiName().Match(name);
        return match.Success && AllowedWasi.Contains(match.Groups["interface"].Value);
    }

    /// <summary>A WASI 0.2 interface name with its version, e.g. <c>wasi:cli/stdout@0.2.3</c>.</summary>
    [GeneratedRegex(@"^(?<interface>wasi:[a-z]+/[a-z-]+)@0\.2\.\d+$", RegexOptions.CultureInvariant)]
    private static partial Regex WasiName();
}
