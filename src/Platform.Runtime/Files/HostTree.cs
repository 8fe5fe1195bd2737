using Microsoft.Win32.SafeHandles;
using Platform.Runtime.Wasi;

namespace Platform.Runtime.Files;

/// <summary>
/// A host directory mounted for a local run. Nodes are looked up one name at a time with lstat
/// and never through a symlink: <see cref="PathResolver"/> follows links itself, inside the mount.
/// </summary>
internal sealed class HostDirectory(string path, bool writable) : FsDirectory
{
    public string HostPath { get; } = path;

    public override bool Writable { get; } = writable;

    public override NodeStat Stat()
    {
        var errno = HostNative.LStat(HostPath, out var buffer);
        return errno == Errno.Success ? HostNative.ToStat(buffer) : new NodeStat(0, 0, NodeKind.Directory, 1, 0, 0, 0, 0);
    }

    public override int SetTimes(ulong? accessTime, ulong? modifyTime) => HostTimes.Set(HostPath, Writable, accessTime, modifyTime);

    public override FsNode? Find(string name)
    {
        var child = Child(name);
        if (HostNative.LStat(child, out var buffer) != Errno.Success) return null;
        return HostNative.KindOf(buffer.Mode) switch
        {
            NodeKind.Directory => new HostDirectory(child, Writable),
            NodeKind.Symlink => new HostSymlink(child, Writable),
            _ => new HostFile(child, Writable),
        };
    }

    public override IReadOnlyList<string> Names()
    {
        try
        {
            return [.. Directory.EnumerateFileSystemEntries(HostPath).Select(entry => Path.GetFileName(entry)).Order(StringComparer.Ordinal)];
        }
        catch (IOException)
        {
            return [];
        }
        catch (UnauthorizedAccessException)
        {
            return [];
        }
    }

    public override bool IsEmpty
    {
        get
        {
            try
            {
                return !Directory.EnumerateFileSystemEntries(HostPath).Any();
            }
            catch (IOException)
            {
                return true;
            }
            catch (UnauthorizedAccessException)
            {
                return true;
            }
        }
    }

    public override int CreateFile(string name) => Writable ? HostNative.CreateExclusive(Child(name)) : Errno.Rofs;

    public override int CreateDirectory(string name) => Writable ? HostNative.MakeDirectory(Child(name)) : Errno.Rofs;

    public override int CreateSymlink(string name, string target) => Writable ? HostNative.Symlink(target, Child(name)) : Errno.Rofs;

    public override int Link(string name, FsNode node) => !Writable ? Errno.Rofs : node switch
    {
        HostFile file => HostNative.Link(file.HostPath, Child(name)),
        HostSymlink link => HostNative.Link(link.HostPath, Child(name)),
        _ => Errno.Xdev,
    };

    public override int Remove(string name)
    {
        if (!Writable) return Errno.Rofs;
        var child = Child(name);
        return HostNative.LStat(child, out var buffer) == Errno.Success && HostNative.KindOf(buffer.Mode) == NodeKind.Directory
            ? HostNative.RemoveDirectory(child)
            : HostNative.Unlink(child);
    }

    public override int Rename(string name, FsDirectory destination, string newName)
    {
        if (!Writable) return Errno.Rofs;
        return destination is HostDirectory target && target.Writable ? HostNative.Rename(Child(name), target.Child(newName)) : Errno.Xdev;
    }

    public override bool SameTree(FsDirectory other) => other is HostDirectory;

    private string Child(string name) => HostPath + "/" + name;
}

internal sealed class HostFile(string path, bool writable) : FsFile
{
    private SafeFileHandle? _handle;
    private bool _handleWritable;

    public string HostPath { get; } = path;

    public override bool Writable => writable && _handleWritable;

    public override long Size => _handle is null ? (long)Stat().Size : RandomAccess.GetLength(_handle);

    public override NodeStat Stat()
    {
        var errno = HostNative.LStat(HostPath, out var buffer);
        if (errno == Errno.Success) return HostNative.ToStat(buffer);
        return new NodeStat(0, 0, NodeKind.RegularFile, 0, _handle is null ? 0 : (ulong)RandomAccess.GetLength(_handle), 0, 0, 0);
    }

    public override int SetTimes(ulong? accessTime, ulong? modifyTime) => HostTimes.Set(HostPath, writable, accessTime, modifyTime);

    public override int Prepare(bool write)
    {
        if (_handle is not null) return Errno.Success;
        try
        {
            _handle = File.OpenHandle(HostPath, FileMode.Open, writable ? FileAccess.ReadWrite : FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            _handleWritable = writable;
            return Errno.Success;
        }
        catch (UnauthorizedAccessException) when (writable && !write)
        {
            _handleWritable = false;
            return OpenReadOnly();
        }
        catch (UnauthorizedAccessException)
        {
            return Errno.Acces;
        }
        catch (FileNotFoundException)
        {
            return Errno.Noent;
        }
        catch (IOException)
        {
            return Errno.Io;
        }
    }

    public override int Read(long offset, Span<byte> destination) =>
        Prepare(write: false) != Errno.Success ? 0 : RandomAccess.Read(_handle!, destination, offset);

    public override int Write(long offset, ReadOnlySpan<byte> source)
    {
        if (!writable) return Errno.Rofs;
        if (_handle is null || !_handleWritable) return Errno.Badf;
        try
        {
            RandomAccess.Write(_handle, source, offset);
            return Errno.Success;
        }
        catch (IOException)
        {
            return Errno.Io;
        }
    }

    public override int SetSize(long size)
    {
        if (!writable) return Errno.Rofs;
        if (_handle is null || !_handleWritable) return Errno.Badf;
        try
        {
            RandomAccess.SetLength(_handle, size);
            return Errno.Success;
        }
        catch (IOException)
        {
            return Errno.Io;
        }
    }

    public override void Dispose() => _handle?.Dispose();

    private int OpenReadOnly()
    {
        try
        {
            _handle = File.OpenHandle(HostPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            return Errno.Success;
        }
        catch (UnauthorizedAccessException)
        {
            return Errno.Acces;
        }
        catch (IOException)
        {
            return Errno.Io;
        }
    }
}

internal sealed class HostSymlink(string path, bool writable) : FsSymlink
{
    public string HostPath => path;

    public override string Target { get; } = new FileInfo(path).LinkTarget ?? "";

    public override NodeStat Stat() => HostNative.LStat(path, out var buffer) == Errno.Success ? HostNative.ToStat(buffer) : default;

    public override int SetTimes(ulong? accessTime, ulong? modifyTime) => HostTimes.Set(path, writable, accessTime, modifyTime);
}

internal static class HostTimes
{
    public static int Set(string path, bool writable, ulong? accessTime, ulong? modifyTime) =>
        writable ? HostNative.SetTimes(path, accessTime, modifyTime) : Errno.Rofs;
}
