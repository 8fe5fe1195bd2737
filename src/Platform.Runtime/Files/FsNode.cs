using Platform.Runtime.Wasi;

namespace Platform.Runtime.Files;

/// <summary>The kinds of node a tree holds; the values are WASI's filetype codes.</summary>
internal enum NodeKind : byte
{
    Unknown = 0,
    Directory = 3,
    RegularFile = 4,
    Symlink = 7,
}

/// <summary>A node's metadata as <c>filestat</c> reports it; times in nanoseconds since the Unix epoch.</summary>
internal readonly record struct NodeStat(ulong Device, ulong Inode, NodeKind Kind, ulong Links, ulong Size, ulong AccessTime, ulong ModifyTime, ulong ChangeTime);

/// <summary>A file, directory or symlink of one tree (in memory or a host directory). Methods return WASI errnos.</summary>
internal abstract class FsNode
{
    public abstract NodeKind Kind { get; }

    public abstract NodeStat Stat();

    /// <summary>Sets the access and/or modification time (null: unchanged).</summary>
    public abstract int SetTimes(ulong? accessTime, ulong? modifyTime);
}

internal abstract class FsDirectory : FsNode
{
    public override NodeKind Kind => NodeKind.Directory;

    /// <summary>False for an asset bundle and a read-only mount: every change is EROFS.</summary>
    public abstract bool Writable { get; }

    /// <summary>The entry called <paramref name="name"/> without following a symlink; null when there is none.</summary>
    public abstract FsNode? Find(string name);

    /// <summary>A snapshot of the entry names, in a stable order.</summary>
    public abstract IReadOnlyList<string> Names();

    /// <summary>True when the directory has no entries (without listing them all).</summary>
    public abstract bool IsEmpty { get; }

    public abstract int CreateFile(string name);

    public abstract int CreateDirectory(string name);

    public abstract int CreateSymlink(string name, string target);

    /// <summary>A hard link called <paramref name="name"/> to <paramref name="node"/>, a file or symlink of the same tree.</summary>
    public abstract int Link(string name, FsNode node);

    /// <summary>Removes an entry already checked to exist and to be of the kind the caller expects.</summary>
    public abstract int Remove(string name);

    /// <summary>Moves an entry to <paramref name="destination"/> (a directory of the same tree), replacing what the caller allowed to be replaced.</summary>
    public abstract int Rename(string name, FsDirectory destination, string newName);

    /// <summary>True when both are the same directory of the same tree.</summary>
    public abstract bool SameTree(FsDirectory other);
}

internal abstract class FsFile : FsNode, IDisposable
{
    public override NodeKind Kind => NodeKind.RegularFile;

    public abstract bool Writable { get; }

    public abstract long Size { get; }

    /// <summary>Copies up to <c>destination.Length</c> bytes from <paramref name="offset"/>; the count read.</summary>
    public abstract int Read(long offset, Span<byte> destination);

    public abstract int Write(long offset, ReadOnlySpan<byte> source);

    public abstract int SetSize(long size);

    /// <summary>Called when the file's node is given to a descriptor: a host file opens its handle here.</summary>
    public virtual int Prepare(bool write) => Errno.Success;

    public virtual void Dispose()
    {
    }
}

internal abstract class FsSymlink : FsNode
{
    public override NodeKind Kind => NodeKind.Symlink;

    public abstract string Target { get; }
}
