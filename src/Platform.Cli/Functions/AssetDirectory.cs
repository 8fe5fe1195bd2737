using System.IO.Compression;
using Platform.Runtime.Files;

namespace Platform.Cli.Functions;

/// <summary>
/// <c>deploy --assets DIR</c>: the directory's files and subdirectories as the canonical tar
/// (<see cref="AssetArchive.Pack"/>: sorted, fixed owner, modes and times), gzip-compressed, built in
/// memory. Links are refused here as the platform refuses them, so the message names the local path.
/// </summary>
internal static class AssetDirectory
{
    /// <summary>The platform's bound on a bundle's contents: nothing larger can be accepted, so nothing larger is read.</summary>
    public const long MaxBytes = 512L << 20;

    public static byte[] Pack(DirectoryInfo root)
    {
        ArgumentNullException.ThrowIfNull(root);
        var files = new Dictionary<string, ReadOnlyMemory<byte>>(StringComparer.Ordinal);
        var directories = new List<string>();
        long total = 0;
        var pending = new Stack<(DirectoryInfo Directory, string Prefix)>();
        pending.Push((root, ""));
        while (pending.TryPop(out var next))
        {
            foreach (var entry in next.Directory.EnumerateFileSystemInfos().OrderBy(e => e.Name, StringComparer.Ordinal))
            {
                var path = next.Prefix + entry.Name;
                if (entry.LinkTarget is not null)
                    throw new InvalidDataException($"{entry.FullName} is a link: the platform takes no links in assets (copy the file instead)");
                switch (entry)
                {
                    case DirectoryInfo directory:
                        directories.Add(path);
                        pending.Push((directory, path + "/"));
                        break;
                    case FileInfo file when (file.Attributes & (FileAttributes.Device | FileAttributes.ReparsePoint)) == 0:
                        total += file.Length;
                        if (total > MaxBytes)
                            throw new InvalidDataException($"{root.FullName} holds more than {MaxBytes} bytes of files");
                        files[path] = File.ReadAllBytes(file.FullName);
                        break;
                    default:
                        throw new InvalidDataException($"{entry.FullName} is not a regular file or directory");
                }
            }
        }

        var tar = AssetArchive.Pack(new AssetBundle(files, directories));
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true))
            gzip.Write(tar);
        return output.ToArray();
    }
}
