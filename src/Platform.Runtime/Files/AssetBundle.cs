namespace Platform.Runtime.Files;

/// <summary>
/// A version's read-only files (its assets), mounted as the guest's <c>/</c>. Paths are relative,
/// '/'-separated, with no empty, <c>.</c> or <c>..</c> segment; every parent of a file is a
/// directory of the bundle. Built by the control plane's archive reader after validation, or by
/// tests; the runtime never sees an unchecked path.
/// </summary>
public sealed class AssetBundle
{
    public AssetBundle(IReadOnlyDictionary<string, ReadOnlyMemory<byte>> files, IEnumerable<string>? directories = null)
    {
        ArgumentNullException.ThrowIfNull(files);
        var all = new HashSet<string>(StringComparer.Ordinal);
        foreach (var path in files.Keys)
        {
            CheckPath(path);
            AddParents(all, path);
        }

        foreach (var directory in directories ?? [])
        {
            CheckPath(directory);
            all.Add(directory);
            AddParents(all, directory);
        }

        foreach (var path in files.Keys)
        {
            if (all.Contains(path)) throw new ArgumentException($"'{path}' is both a file and a directory", nameof(files));
        }

        Files = files;
        Directories = all;
        TotalBytes = files.Values.Sum(content => (long)content.Length);
    }

    public static AssetBundle Empty { get; } = new(new Dictionary<string, ReadOnlyMemory<byte>>(StringComparer.Ordinal));

    /// <summary>File contents by relative path.</summary>
    public IReadOnlyDictionary<string, ReadOnlyMemory<byte>> Files { get; }

    /// <summary>Every directory below the root, by relative path (the root itself is implied).</summary>
    public IReadOnlySet<string> Directories { get; }

    public long TotalBytes { get; }

    private static void CheckPath(string path)
    {
        if (path.Length == 0 || path.Split('/').Any(segment => segment is "" or "." or ".."))
            throw new ArgumentException($"'{path}' is not a relative path without '.', '..' or empty segments", nameof(path));
    }

    private static void AddParents(HashSet<string> directories, string path)
    {
        for (var slash = path.LastIndexOf('/'); slash > 0; slash = path.LastIndexOf('/', slash - 1))
            directories.Add(path[..slash]);
    }
}
