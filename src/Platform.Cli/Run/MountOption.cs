using Platform.Runtime.Files;

namespace Platform.Cli.Run;

/// <summary>
/// <c>--dir HOST[::GUEST]</c> and <c>--dir-rw HOST[::GUEST]</c>, as <c>wasmtime run --dir</c>
/// writes them; GUEST defaults to the host directory's last name.
/// </summary>
internal static class MountOption
{
    public const string Separator = "::";

    public static (DirectoryMount? Mount, string? Problem) Parse(string value, bool writable)
    {
        var option = writable ? "--dir-rw" : "--dir";
        var split = value.IndexOf(Separator, StringComparison.Ordinal);
        var host = split < 0 ? value : value[..split];
        if (host.Length == 0) return (null, $"{option} expects HOST[::GUEST], got '{value}'");
        var full = Path.GetFullPath(host);
        if (!Directory.Exists(full)) return (null, $"{option} {host}: no such directory");
        var guest = split < 0 ? DefaultGuestPath(full) : value[(split + Separator.Length)..];
        if (guest.Length == 0 || guest.Contains('\0', StringComparison.Ordinal)) return (null, $"{option} expects a guest path after '::', got '{value}'");
        return (new DirectoryMount(full, guest, writable), null);
    }

    private static string DefaultGuestPath(string hostPath)
    {
        var name = Path.GetFileName(hostPath.TrimEnd(Path.DirectorySeparatorChar));
        return name.Length == 0 ? "/" : name;
    }
}
