using Platform.Runtime.Files;
using Wasmtime;

namespace Platform.Runtime.Wasi;

/// <summary>
/// The path_* calls: every path is read from guest memory (at most
/// <see cref="PathResolver.MaxPathBytes"/> bytes, paid in fuel) and resolved inside the directory
/// fd it is relative to.
/// </summary>
internal static class PathCalls
{
    private const int LookupSymlinkFollow = 1;
    private const int OflagCreat = 1;
    private const int OflagDirectory = 2;
    private const int OflagExcl = 4;
    private const int OflagTrunc = 8;

    public static int Open(Caller caller, WasiContext context, int fd, int lookupFlags, int path, int pathLength, int oflags, long rightsBase, int fdflags, int resultPtr)
    {
        var errno = Resolve(caller, context, fd, path, pathLength, (lookupFlags & LookupSymlinkFollow) != 0 && (oflags & (OflagCreat | OflagExcl)) != (OflagCreat | OflagExcl), out var memory, out var resolved);
        if (errno != Errno.Success) return errno;
        if (!memory.Contains(resultPtr, 4)) return Errno.Fault;
        if ((oflags & ~(OflagCreat | OflagDirectory | OflagExcl | OflagTrunc)) != 0 || (fdflags & ~FdFlags.All) != 0) return Errno.Inval;
        var create = (oflags & OflagCreat) != 0;
        var truncate = (oflags & OflagTrunc) != 0;
        var wantsDirectory = (oflags & OflagDirectory) != 0 || resolved.MustBeDirectory;
        var write = (rightsBase & Rights.WriteIntent) != 0;
        var read = (rightsBase & (Rights.FdRead | Rights.FdReaddir)) != 0 || !write;
        var node = resolved.Node;
        if (node is null)
        {
            if (!create) return Errno.Noent;
            if (wantsDirectory) return Errno.Isdir;
            if (!resolved.Parent.Writable) return Errno.Rofs;
            errno = resolved.Parent.CreateFile(resolved.Name!);
            if (errno != Errno.Success) return errno;
            node = resolved.Parent.Find(resolved.Name!);
        }
        else if (create && (oflags & OflagExcl) != 0)
        {
            return Errno.Exist;
        }

        Descriptor descriptor;
        switch (node)
        {
            case FsSymlink:
                return Errno.Loop;
            case FsDirectory directory:
                if (write || truncate || create) return Errno.Isdir;
                descriptor = Descriptor.ForDirectory(directory);
                break;
            case FsFile file:
                if (wantsDirectory) return Errno.Notdir;
                if ((write || truncate) && !resolved.Parent.Writable) return Errno.Rofs;
                errno = file.Prepare(write);
                if (errno == Errno.Success && truncate) errno = file.SetSize(0);
                if (errno != Errno.Success)
                {
                    file.Dispose();
                    return errno;
                }

                descriptor = Descriptor.ForFile(file, read, write, (ushort)fdflags);
                break;
            default:
                return Errno.Notsup;
        }

        errno = context.Files.Add(descriptor, out var opened);
        if (errno != Errno.Success)
        {
            descriptor.File?.Dispose();
            return errno;
        }

        memory.WriteInt32(resultPtr, opened);
        return Errno.Success;
    }

    public static int CreateDirectory(Caller caller, WasiContext context, int fd, int path, int pathLength)
    {
        var errno = Resolve(caller, context, fd, path, pathLength, false, out _, out var resolved);
        if (errno != Errno.Success) return errno;
        if (resolved.Node is not null || resolved.Name is null) return Errno.Exist;
        return resolved.Parent.Writable ? resolved.Parent.CreateDirectory(resolved.Name) : Errno.Rofs;
    }

    public static int FilestatGet(Caller caller, WasiContext context, int fd, int lookupFlags, int path, int pathLength, int resultPtr)
    {
        var errno = Resolve(caller, context, fd, path, pathLength, (lookupFlags & LookupSymlinkFollow) != 0, out var memory, out var resolved);
        if (errno != Errno.Success) return errno;
        if (resolved.Node is not { } node) return Errno.Noent;
        if (resolved.MustBeDirectory && node is not FsDirectory) return Errno.Notdir;
        if (!memory.Contains(resultPtr, 64)) return Errno.Fault;
        FileCalls.WriteFilestat(memory.Span(resultPtr, 64), node.Stat());
        return Errno.Success;
    }

    public static int FilestatSetTimes(Caller caller, WasiContext context, int fd, int lookupFlags, int path, int pathLength, long accessTime, long modifyTime, int flags)
    {
        if (!TimeFlags.TryRead(caller, context, flags, accessTime, modifyTime, out var access, out var modify)) return Errno.Inval;
        var errno = Resolve(caller, context, fd, path, pathLength, (lookupFlags & LookupSymlinkFollow) != 0, out _, out var resolved);
        if (errno != Errno.Success) return errno;
        if (resolved.Node is not { } node) return Errno.Noent;
        if (resolved.MustBeDirectory && node is not FsDirectory) return Errno.Notdir;
        return node.SetTimes(access, modify);
    }

    public static int Link(Caller caller, WasiContext context, int oldFd, int oldFlags, int oldPath, int oldLength, int newFd, int newPath, int newLength)
    {
        if ((oldFlags & LookupSymlinkFollow) != 0) return Errno.Inval;
        var errno = Resolve(caller, context, oldFd, oldPath, oldLength, false, out _, out var source);
        if (errno != Errno.Success) return errno;
        errno = Resolve(caller, context, newFd, newPath, newLength, false, out _, out var target);
        if (errno != Errno.Success) return errno;
        if (source.Node is not { } node) return Errno.Noent;
        if (node is FsDirectory) return Errno.Perm;
        if (source.MustBeDirectory) return Errno.Notdir;
        if (target.Node is not null || target.Name is null) return Errno.Exist;
        if (target.MustBeDirectory) return Errno.Noent;
        if (!target.Parent.SameTree(source.Parent)) return Errno.Xdev;
        return target.Parent.Writable ? target.Parent.Link(target.Name, node) : Errno.Rofs;
    }

    /// <summary>Copies at most the buffer's length of the target, as readlink does.</summary>
    public static int Readlink(Caller caller, WasiContext context, int fd, int path, int pathLength, int buffer, int bufferLength, int resultPtr)
    {
        var errno = Resolve(caller, context, fd, path, pathLength, false, out var memory, out var resolved);
        if (errno != Errno.Success) return errno;
        if (resolved.Node is null) return Errno.Noent;
        if (resolved.Node is not FsSymlink link) return Errno.Inval;
        if (!memory.Contains(buffer, (uint)bufferLength) || !memory.Contains(resultPtr, 4)) return Errno.Fault;
        var bytes = System.Text.Encoding.UTF8.GetBytes(link.Target);
        var count = Math.Min(bytes.Length, bufferLength);
        bytes.AsSpan(0, count).CopyTo(memory.Span(buffer, count));
        memory.WriteInt32(resultPtr, count);
        return Errno.Success;
    }

    public static int RemoveDirectory(Caller caller, WasiContext context, int fd, int path, int pathLength)
    {
        var errno = Resolve(caller, context, fd, path, pathLength, false, out _, out var resolved);
        if (errno != Errno.Success) return errno;
        if (resolved.Name is null) return Errno.Inval;
        if (resolved.Node is not { } node) return Errno.Noent;
        if (node is not FsDirectory directory) return Errno.Notdir;
        if (!resolved.Parent.Writable) return Errno.Rofs;
        if (!directory.IsEmpty) return Errno.Notempty;
        return resolved.Parent.Remove(resolved.Name);
    }

    public static int UnlinkFile(Caller caller, WasiContext context, int fd, int path, int pathLength)
    {
        var errno = Resolve(caller, context, fd, path, pathLength, false, out _, out var resolved);
        if (errno != Errno.Success) return errno;
        if (resolved.Name is null || resolved.Node is FsDirectory) return Errno.Isdir;
        if (resolved.Node is null) return Errno.Noent;
        if (resolved.MustBeDirectory) return Errno.Notdir;
        return resolved.Parent.Writable ? resolved.Parent.Remove(resolved.Name) : Errno.Rofs;
    }

    public static int Rename(Caller caller, WasiContext context, int oldFd, int oldPath, int oldLength, int newFd, int newPath, int newLength)
    {
        var errno = Resolve(caller, context, oldFd, oldPath, oldLength, false, out _, out var source);
        if (errno != Errno.Success) return errno;
        errno = Resolve(caller, context, newFd, newPath, newLength, false, out _, out var target);
        if (errno != Errno.Success) return errno;
        if (source.Node is not { } node) return Errno.Noent;
        if (source.Name is null || target.Name is null) return Errno.Inval;
        if (!target.Parent.SameTree(source.Parent)) return Errno.Xdev;
        if (!source.Parent.Writable || !target.Parent.Writable) return Errno.Rofs;
        if (node is FsDirectory directory)
        {
            if (target.Node is { } existing and not FsDirectory) return existing is FsSymlink && target.MustBeDirectory ? Errno.Notdir : Errno.Notdir;
            if (target.Node is FsDirectory replaced && !ReferenceEquals(replaced, directory) && !replaced.IsEmpty) return Errno.Notempty;
            if (directory is MemoryDirectory moved && IsWithin(caller, context, target.Parent as MemoryDirectory, moved)) return Errno.Inval;
        }
        else
        {
            if (source.MustBeDirectory || target.MustBeDirectory) return Errno.Notdir;
            if (target.Node is FsDirectory) return Errno.Isdir;
        }

        return source.Parent.Rename(source.Name, target.Parent, target.Name);
    }

    public static int Symlink(Caller caller, WasiContext context, int oldPath, int oldLength, int fd, int newPath, int newLength)
    {
        if (!GuestMemory.TryGet(caller, context, out var memory)) return Errno.Fault;
        var errno = ReadPath(caller, context, memory, oldPath, oldLength, out var target);
        if (errno != Errno.Success) return errno;
        if (target.StartsWith('/')) return Errno.Perm;
        errno = Resolve(caller, context, fd, newPath, newLength, false, out _, out var resolved);
        if (errno != Errno.Success) return errno;
        if (resolved.Node is not null || resolved.Name is null) return Errno.Exist;
        if (resolved.MustBeDirectory) return Errno.Noent;
        return resolved.Parent.Writable ? resolved.Parent.CreateSymlink(resolved.Name, target) : Errno.Rofs;
    }

    /// <summary>Walks up from <paramref name="directory"/>, paying for each step: a scratch tree may be as deep as its budget allows.</summary>
    private static bool IsWithin(Caller caller, WasiContext context, MemoryDirectory? directory, MemoryDirectory ancestor)
    {
        for (var current = directory; current is not null; current = current.Parent)
        {
            context.CheckDeadline();
            context.Charge(caller, HostCallLimits.FuelPerItem);
            if (ReferenceEquals(current, ancestor)) return true;
        }

        return false;
    }

    private static int Resolve(Caller caller, WasiContext context, int fd, int path, int pathLength, bool followLast, out GuestMemory memory, out ResolvedPath resolved)
    {
        resolved = default;
        if (!GuestMemory.TryGet(caller, context, out memory)) return Errno.Fault;
        if (context.Files.IsStdio(fd)) return Errno.Notdir;
        var descriptor = context.Files.Get(fd);
        if (descriptor is null) return Errno.Badf;
        if (descriptor.Directory is not { } directory) return Errno.Notdir;
        var errno = ReadPath(caller, context, memory, path, pathLength, out var text);
        if (errno != Errno.Success) return errno;
        errno = PathResolver.Resolve(directory, text, followLast, context.CheckDeadline, out resolved, out var steps);
        context.Charge(caller, steps * HostCallLimits.FuelPerItem);
        return errno;
    }

    private static int ReadPath(Caller caller, WasiContext context, GuestMemory memory, int pointer, int length, out string path)
    {
        path = "";
        if ((uint)length > PathResolver.MaxPathBytes) return Errno.Nametoolong;
        if (!memory.Contains(pointer, length)) return Errno.Fault;
        context.Charge(caller, HostCallLimits.FuelForBytes(length));
        return PathResolver.Decode(memory.Span(pointer, length), out path);
    }
}
