using System.Buffers.Binary;
using Platform.Runtime.Files;
using Wasmtime;

namespace Platform.Runtime.Wasi;

/// <summary>
/// The fd_* calls on fds from 3 up (preopened and opened directories, files). Stdio keeps its
/// pipe answers in <see cref="WasiPreview1"/>; every call here pays fuel for the bytes and
/// entries it moves and checks the deadline in its loops.
/// </summary>
internal static class FileCalls
{
    private const int FilestatSize = 64;
    private const int FdstatSize = 24;
    private const int DirentSize = 24;
    private const int WhenceSet = 0;
    private const int WhenceCur = 1;
    private const int WhenceEnd = 2;

    public static int Advise(WasiContext context, int fd, long offset, long length, int advice)
    {
        if (context.Files.IsStdio(fd)) return Errno.Spipe;
        var descriptor = context.Files.Get(fd);
        if (descriptor is null) return Errno.Badf;
        if (descriptor.File is null) return Errno.Badf;
        return advice is < 0 or > 5 || offset < 0 || length < 0 ? Errno.Inval : Errno.Success;
    }

    /// <summary>ENOTSUP for every file: preallocation is not offered (the testsuite accepts it; writes and set_size grow files).</summary>
    public static int Allocate(WasiContext context, int fd)
    {
        if (context.Files.IsStdio(fd)) return Errno.Spipe;
        return context.Files.Get(fd)?.File is null ? Errno.Badf : Errno.Notsup;
    }

    public static int Close(WasiContext context, int fd) => context.Files.Close(fd);

    public static int Sync(WasiContext context, int fd)
    {
        if (context.Files.IsStdio(fd)) return Errno.Inval;
        return context.Files.Get(fd) is null ? Errno.Badf : Errno.Success;
    }

    public static int FdstatGet(GuestMemory memory, Descriptor descriptor, int resultPtr)
    {
        if (!memory.Contains(resultPtr, FdstatSize)) return Errno.Fault;
        var stat = memory.Span(resultPtr, FdstatSize);
        stat.Clear();
        if (descriptor.Directory is not null)
        {
            stat[0] = (byte)NodeKind.Directory;
            BinaryPrimitives.WriteInt64LittleEndian(stat[8..], Rights.Directory);
            BinaryPrimitives.WriteInt64LittleEndian(stat[16..], Rights.Directory | Rights.AnyFile);
        }
        else
        {
            stat[0] = (byte)NodeKind.RegularFile;
            BinaryPrimitives.WriteUInt16LittleEndian(stat[2..], descriptor.Flags);
            BinaryPrimitives.WriteInt64LittleEndian(stat[8..], Rights.File(descriptor.CanRead, descriptor.CanWrite));
        }

        return Errno.Success;
    }

    public static int FdstatSetFlags(WasiContext context, int fd, int flags)
    {
        if (context.Files.IsStdio(fd)) return Errno.Success;
        var descriptor = context.Files.Get(fd);
        if (descriptor is null) return Errno.Badf;
        if ((flags & ~FdFlags.All) != 0) return Errno.Inval;
        descriptor.Flags = (ushort)flags;
        descriptor.Append = (flags & FdFlags.Append) != 0;
        return Errno.Success;
    }

    public static int FdstatSetRights(WasiContext context, int fd) =>
        context.Files.IsStdio(fd) || context.Files.Get(fd) is not null ? Errno.Notsup : Errno.Badf;

    public static int FilestatGet(GuestMemory memory, Descriptor descriptor, int resultPtr)
    {
        if (!memory.Contains(resultPtr, FilestatSize)) return Errno.Fault;
        WriteFilestat(memory.Span(resultPtr, FilestatSize), descriptor.Node!.Stat());
        return Errno.Success;
    }

    public static int FilestatSetSize(WasiContext context, int fd, long size)
    {
        if (context.Files.IsStdio(fd)) return Errno.Inval;
        var descriptor = context.Files.Get(fd);
        if (descriptor is null) return Errno.Badf;
        if (descriptor.File is not { } file) return Errno.Badf;
        if (size < 0) return Errno.Inval;
        if (!file.Writable) return Errno.Rofs;
        return descriptor.CanWrite ? file.SetSize(size) : Errno.Badf;
    }

    public static int FilestatSetTimes(Caller caller, WasiContext context, int fd, long accessTime, long modifyTime, int flags)
    {
        if (!TimeFlags.TryRead(caller, context, flags, accessTime, modifyTime, out var access, out var modify)) return Errno.Inval;
        if (context.Files.IsStdio(fd)) return Errno.Notsup;
        var descriptor = context.Files.Get(fd);
        return descriptor is null ? Errno.Badf : descriptor.Node!.SetTimes(access, modify);
    }

    public static int PrestatGet(GuestMemory memory, WasiContext context, int fd, int resultPtr)
    {
        if (context.Files.Get(fd)?.PreopenName is not { } name) return Errno.Badf;
        if (!memory.Contains(resultPtr, 8)) return Errno.Fault;
        memory.WriteInt32(resultPtr, 0);
        memory.WriteInt32(resultPtr + 4, System.Text.Encoding.UTF8.GetByteCount(name));
        return Errno.Success;
    }

    public static int PrestatDirName(GuestMemory memory, WasiContext context, int fd, int buffer, int length)
    {
        if (context.Files.Get(fd)?.PreopenName is not { } name) return Errno.Badf;
        var bytes = System.Text.Encoding.UTF8.GetBytes(name);
        if ((uint)length < bytes.Length) return Errno.Nametoolong;
        if (!memory.Contains(buffer, bytes.Length)) return Errno.Fault;
        bytes.CopyTo(memory.Span(buffer, bytes.Length));
        return Errno.Success;
    }

    /// <summary>fd_read/fd_pread on a file: <paramref name="offset"/> null reads at (and moves) the fd's position.</summary>
    public static int Read(Caller caller, WasiContext context, GuestMemory memory, Descriptor descriptor, Iovecs iovecs, long? offset, int resultPtr)
    {
        if (descriptor.File is not { } file) return Errno.Badf;
        if (!descriptor.CanRead) return Errno.Badf;
        var position = offset ?? descriptor.Position;
        var available = (int)Math.Clamp(file.Size - position, 0, HostCallLimits.MaxBytesPerCall);
        var bytes = iovecs.Total(context, memory, available, out var errno);
        if (errno != Errno.Success) return errno;
        context.Charge(caller, (iovecs.Count * HostCallLimits.FuelPerItem) + HostCallLimits.FuelForBytes(bytes));
        var read = 0;
        for (var i = 0; i < iovecs.Count && read < bytes; i++)
        {
            context.CheckDeadline();
            var (pointer, length) = iovecs.Get(memory, i);
            var wanted = (int)Math.Min(length, bytes - read);
            var count = file.Read(position + read, memory.Span(pointer, wanted));
            read += count;
            if (count < wanted) break;
        }

        if (offset is null) descriptor.Position = position + read;
        memory.WriteInt32(resultPtr, read);
        return Errno.Success;
    }

    /// <summary>fd_write/fd_pwrite on a file: <paramref name="offset"/> null writes at the fd's position (its end with APPEND) and moves it.</summary>
    public static int Write(Caller caller, WasiContext context, GuestMemory memory, Descriptor descriptor, Iovecs iovecs, long? offset, int resultPtr)
    {
        if (descriptor.File is not { } file) return Errno.Badf;
        if (!descriptor.CanWrite) return Errno.Badf;
        var bytes = iovecs.Total(context, memory, HostCallLimits.MaxBytesPerCall, out var errno);
        if (errno != Errno.Success) return errno;
        context.Charge(caller, (iovecs.Count * HostCallLimits.FuelPerItem) + HostCallLimits.FuelForBytes(bytes));
        var position = offset ?? (descriptor.Append ? file.Size : descriptor.Position);
        var written = 0;
        for (var i = 0; i < iovecs.Count && written < bytes; i++)
        {
            context.CheckDeadline();
            var (pointer, length) = iovecs.Get(memory, i);
            var chunk = memory.Span(pointer, (int)Math.Min(length, bytes - written));
            errno = file.Write(position + written, chunk);
            if (errno != Errno.Success)
            {
                if (written == 0) return errno;
                break;
            }

            written += chunk.Length;
        }

        if (offset is null) descriptor.Position = position + written;
        memory.WriteInt32(resultPtr, written);
        return Errno.Success;
    }

    public static int Seek(WasiContext context, GuestMemory memory, int fd, long offset, int whence, int resultPtr)
    {
        if (context.Files.IsStdio(fd)) return Errno.Spipe;
        var descriptor = context.Files.Get(fd);
        if (descriptor is null) return Errno.Badf;
        if (descriptor.File is not { } file) return Errno.Badf;
        long origin = whence switch
        {
            WhenceSet => 0,
            WhenceCur => descriptor.Position,
            WhenceEnd => file.Size,
            _ => -1,
        };
        if (origin < 0) return Errno.Inval;
        var target = origin + offset;
        if (target < 0 || (offset > 0 && target < origin)) return Errno.Inval;
        if (!memory.Contains(resultPtr, 8)) return Errno.Fault;
        descriptor.Position = target;
        memory.WriteInt64(resultPtr, target);
        return Errno.Success;
    }

    public static int Tell(WasiContext context, GuestMemory memory, int fd, int resultPtr)
    {
        if (context.Files.IsStdio(fd)) return Errno.Spipe;
        var descriptor = context.Files.Get(fd);
        if (descriptor is null) return Errno.Badf;
        if (descriptor.File is null) return Errno.Badf;
        if (!memory.Contains(resultPtr, 8)) return Errno.Fault;
        memory.WriteInt64(resultPtr, descriptor.Position);
        return Errno.Success;
    }

    public static int Renumber(WasiContext context, int from, int to) => context.Files.Renumber(from, to);

    /// <summary>
    /// Entries ".", ".." and then the names as they were at cookie 0; a cookie is the index of
    /// the next entry. The last entry may be cut at the buffer's end, as the spec allows.
    /// </summary>
    public static int Readdir(Caller caller, WasiContext context, GuestMemory memory, int fd, int buffer, int length, long cookie, int resultPtr)
    {
        if (context.Files.IsStdio(fd)) return Errno.Notdir;
        var descriptor = context.Files.Get(fd);
        if (descriptor is null) return Errno.Badf;
        if (descriptor.Directory is not { } directory) return Errno.Notdir;
        if (!memory.Contains(buffer, (uint)length) || !memory.Contains(resultPtr, 4)) return Errno.Fault;
        if (cookie < 0) return Errno.Inval;
        if (cookie == 0 || descriptor.Listing is null)
        {
            descriptor.Listing = directory.Names();
            context.Charge(caller, descriptor.Listing.Count); // a fresh listing costs a unit per name taken
        }

        var names = descriptor.Listing;
        context.Charge(caller, HostCallLimits.FuelForBytes(length));
        var self = directory.Stat();
        var output = memory.Span(buffer, length);
        var used = 0;
        var entry = new byte[DirentSize + PathResolver.MaxNameBytes];
        for (var index = cookie; index < names.Count + 2 && used < length; index++)
        {
            context.CheckDeadline();
            context.Charge(caller, HostCallLimits.FuelPerItem);
            string name;
            NodeStat stat;
            if (index < 2)
            {
                name = index == 0 ? "." : "..";
                stat = self;
            }
            else
            {
                name = names[(int)index - 2];
                var node = directory.Find(name);
                if (node is null) continue;
                stat = node.Stat();
            }

            var nameLength = System.Text.Encoding.UTF8.GetBytes(name, entry.AsSpan(DirentSize));
            BinaryPrimitives.WriteInt64LittleEndian(entry, index + 1);
            BinaryPrimitives.WriteUInt64LittleEndian(entry.AsSpan(8), stat.Inode);
            BinaryPrimitives.WriteInt32LittleEndian(entry.AsSpan(16), nameLength);
            entry[20] = (byte)stat.Kind;
            entry[21] = entry[22] = entry[23] = 0;
            var size = Math.Min(DirentSize + nameLength, length - used);
            entry.AsSpan(0, size).CopyTo(output[used..]);
            used += size;
        }

        memory.WriteInt32(resultPtr, used);
        return Errno.Success;
    }

    public static void WriteFilestat(Span<byte> stat, NodeStat value)
    {
        stat.Clear();
        BinaryPrimitives.WriteUInt64LittleEndian(stat, value.Device);
        BinaryPrimitives.WriteUInt64LittleEndian(stat[8..], value.Inode);
        stat[16] = (byte)value.Kind;
        BinaryPrimitives.WriteUInt64LittleEndian(stat[24..], value.Links);
        BinaryPrimitives.WriteUInt64LittleEndian(stat[32..], value.Size);
        BinaryPrimitives.WriteUInt64LittleEndian(stat[40..], value.AccessTime);
        BinaryPrimitives.WriteUInt64LittleEndian(stat[48..], value.ModifyTime);
        BinaryPrimitives.WriteUInt64LittleEndian(stat[56..], value.ChangeTime);
    }
}

/// <summary>fstflags of the set_times calls: a time and its _NOW flag together, or unknown bits, are EINVAL.</summary>
internal static class TimeFlags
{
    private const int Atim = 1;
    private const int AtimNow = 2;
    private const int Mtim = 4;
    private const int MtimNow = 8;

    public static bool TryRead(Caller caller, WasiContext context, int flags, long accessTime, long modifyTime, out ulong? access, out ulong? modify)
    {
        access = modify = null;
        if ((flags & ~(Atim | AtimNow | Mtim | MtimNow)) != 0) return false;
        if ((flags & (Atim | AtimNow)) == (Atim | AtimNow) || (flags & (Mtim | MtimNow)) == (Mtim | MtimNow)) return false;
        ulong? now = (flags & (AtimNow | MtimNow)) != 0 ? (ulong)context.Tape.Clock(WasiClock.Realtime, context) : null;
        access = (flags & Atim) != 0 ? (ulong)accessTime : (flags & AtimNow) != 0 ? now : null;
        modify = (flags & Mtim) != 0 ? (ulong)modifyTime : (flags & MtimNow) != 0 ? now : null;
        _ = caller;
        return true;
    }
}
