using System.Runtime.InteropServices;
using Platform.Runtime.Wasi;

namespace Platform.Runtime.Files;

/// <summary>
/// The libc calls a host-directory tree needs and .NET does not offer (lstat with device and
/// inode, link, and the exact errno of mkdir, unlink, rename...), on Linux x64.
/// </summary>
internal static partial class HostNative
{
    private const string Libc = "libc";

    [StructLayout(LayoutKind.Sequential)]
    public struct StatBuffer
    {
        public ulong Device;
        public ulong Inode;
        public ulong Links;
        public uint Mode;
        public uint Uid;
        public uint Gid;
        public int Padding;
        public ulong RawDevice;
        public long Size;
        public long BlockSize;
        public long Blocks;
        public long AccessSeconds;
        public long AccessNanoseconds;
        public long ModifySeconds;
        public long ModifyNanoseconds;
        public long ChangeSeconds;
        public long ChangeNanoseconds;
        public long Reserved0;
        public long Reserved1;
        public long Reserved2;
    }

    public static int LStat(string path, out StatBuffer buffer) => Check(NativeLStat(path, out buffer));

    public static int MakeDirectory(string path) => Check(NativeMkdir(path, 0x1ED)); // 0755

    public static int RemoveDirectory(string path) => Check(NativeRmdir(path));

    public static int Unlink(string path) => Check(NativeUnlink(path));

    public static int Rename(string from, string to) => Check(NativeRename(from, to));

    public static int Symlink(string target, string path) => Check(NativeSymlink(target, path));

    public static int Link(string existing, string path) => Check(NativeLink(existing, path));

    /// <summary>Creates an empty file, failing if the name exists (O_CREAT|O_EXCL, never through a symlink).</summary>
    public static int CreateExclusive(string path)
    {
        var fd = NativeOpen(path, 0x1 | 0x40 | 0x80 | 0x80000, 0x1A4); // O_WRONLY|O_CREAT|O_EXCL|O_CLOEXEC, 0644
        if (fd < 0) return Check(fd);
        _ = NativeClose(fd);
        return Errno.Success;
    }

    /// <summary>Sets a node's times to the nanosecond (null: unchanged), never through a symlink in the last position.</summary>
    public static int SetTimes(string path, ulong? accessTime, ulong? modifyTime)
    {
        const long omit = (1L << 30) - 2; // UTIME_OMIT
        const int atFdcwd = -100;
        const int atSymlinkNofollow = 0x100;
        Timespec[] times =
        [
            accessTime is { } access ? new Timespec((long)(access / 1_000_000_000), (long)(access % 1_000_000_000)) : new Timespec(0, omit),
            modifyTime is { } modify ? new Timespec((long)(modify / 1_000_000_000), (long)(modify % 1_000_000_000)) : new Timespec(0, omit),
        ];
        return Check(NativeUtimensat(atFdcwd, path, times, atSymlinkNofollow));
    }

    public static NodeKind KindOf(uint mode) => (mode & 0xF000) switch
    {
        0x4000 => NodeKind.Directory,
        0x8000 => NodeKind.RegularFile,
        0xA000 => NodeKind.Symlink,
        _ => NodeKind.Unknown,
    };

    public static NodeStat ToStat(in StatBuffer buffer) => new(
        buffer.Device,
        buffer.Inode,
        KindOf(buffer.Mode),
        buffer.Links,
        (ulong)Math.Max(buffer.Size, 0),
        Nanoseconds(buffer.AccessSeconds, buffer.AccessNanoseconds),
        Nanoseconds(buffer.ModifySeconds, buffer.ModifyNanoseconds),
        Nanoseconds(buffer.ChangeSeconds, buffer.ChangeNanoseconds));

    /// <summary>Linux errno to WASI errno.</summary>
    public static int ToWasi(int linuxErrno) => linuxErrno switch
    {
        1 => Errno.Perm,
        2 => Errno.Noent,
        9 => Errno.Badf,
        13 => Errno.Acces,
        17 => Errno.Exist,
        18 => Errno.Xdev,
        20 => Errno.Notdir,
        21 => Errno.Isdir,
        22 => Errno.Inval,
        24 => Errno.Mfile,
        27 => Errno.Fbig,
        28 => Errno.Nospc,
        30 => Errno.Rofs,
        31 => Errno.Mlink,
        36 => Errno.Nametoolong,
        39 => Errno.Notempty,
        40 => Errno.Loop,
        95 => Errno.Notsup,
        _ => Errno.Io,
    };

    private static ulong Nanoseconds(long seconds, long nanoseconds) => (ulong)Math.Max(0, (seconds * 1_000_000_000) + nanoseconds);

    private static int Check(int result) => result < 0 ? ToWasi(Marshal.GetLastPInvokeError()) : Errno.Success;

    [LibraryImport(Libc, EntryPoint = "lstat", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int NativeLStat(string path, out StatBuffer buffer);

    [LibraryImport(Libc, EntryPoint = "mkdir", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int NativeMkdir(string path, uint mode);

    [LibraryImport(Libc, EntryPoint = "rmdir", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int NativeRmdir(string path);

    [LibraryImport(Libc, EntryPoint = "unlink", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int NativeUnlink(string path);

    [LibraryImport(Libc, EntryPoint = "rename", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int NativeRename(string from, string to);

    [LibraryImport(Libc, EntryPoint = "symlink", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int NativeSymlink(string target, string path);

    [LibraryImport(Libc, EntryPoint = "link", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int NativeLink(string existing, string path);

    [LibraryImport(Libc, EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int NativeOpen(string path, int flags, uint mode);

    [StructLayout(LayoutKind.Sequential)]
    private readonly record struct Timespec(long Seconds, long Nanoseconds);

    [LibraryImport(Libc, EntryPoint = "utimensat", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int NativeUtimensat(int directoryFd, string path, [In] Timespec[] times, int flags);

    [LibraryImport(Libc, EntryPoint = "close", SetLastError = true)]
    private static partial int NativeClose(int fd);
}
