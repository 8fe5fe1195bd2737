namespace Platform.Runtime.Files;

/// <summary>One open fd: stdio, a directory (a preopen or one opened by path), or a file with its position.</summary>
internal sealed class Descriptor
{
    private Descriptor(FsNode? node, string? preopenName)
    {
        Node = node;
        PreopenName = preopenName;
    }

    /// <summary>The file or directory; null for stdio.</summary>
    public FsNode? Node { get; }

    /// <summary>0, 1 or 2 for the invocation's stdin, stdout, stderr (wherever fd_renumber moved them); null otherwise.</summary>
    public int? Stream { get; private init; }

    public FsDirectory? Directory => Node as FsDirectory;

    public FsFile? File => Node as FsFile;

    /// <summary>The guest path of a preopen (fd_prestat_dir_name); null for an fd opened by path.</summary>
    public string? PreopenName { get; }

    public bool CanRead { get; private init; }

    public bool CanWrite { get; private init; }

    public bool Append { get; set; }

    public ushort Flags { get; set; }

    public long Position { get; set; }

    /// <summary>The entry names fd_readdir serves cookies from, taken at cookie 0.</summary>
    public IReadOnlyList<string>? Listing { get; set; }

    public static Descriptor Stdio(int stream) => new(null, null) { Stream = stream, CanRead = stream == 0, CanWrite = stream != 0 };

    public static Descriptor Preopen(FsDirectory directory, string guestPath) => new(directory, guestPath) { CanRead = true };

    public static Descriptor ForDirectory(FsDirectory directory) => new(directory, null) { CanRead = true };

    public static Descriptor ForFile(FsFile file, bool read, bool write, ushort flags) =>
        new(file, null) { CanRead = read, CanWrite = write, Flags = flags, Append = (flags & FdFlags.Append) != 0 };
}

/// <summary>WASI fdflags.</summary>
internal static class FdFlags
{
    public const ushort Append = 1;
    public const ushort Dsync = 2;
    public const ushort Nonblock = 4;
    public const ushort Rsync = 8;
    public const ushort Sync = 16;
    public const ushort All = Append | Dsync | Nonblock | Rsync | Sync;
}
