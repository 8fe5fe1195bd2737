using System.Diagnostics;
using System.Security.Cryptography;
using Wasmtime;

namespace Platform.Runtime.Wasi;

/// <summary>
/// A small, in-memory implementation of <c>wasi_snapshot_preview1</c> for the function ABI:
/// stdin from the request, stdout/stderr into capped buffers, args, environ, clocks, random and
/// proc_exit. There are no files, directories or sockets: every such call returns an errno.
/// Defined once per engine on a shared <see cref="Linker"/>; the per-invocation state is the
/// store's data (<see cref="WasiContext"/>).
/// </summary>
internal static class WasiPreview1
{
    public const string ModuleName = "wasi_snapshot_preview1";

    private const ValueKind I32 = ValueKind.Int32;
    private const ValueKind I64 = ValueKind.Int64;
    private const byte FiletypeUnknown = 0;
    private const long RightFdRead = 1 << 1;
    private const long RightFdWrite = 1 << 6;
    private const long RightPollFdReadwrite = 1 << 27;

    /// <summary>Every preview 1 function: name -> (params, results). Imports are checked against it at upload.</summary>
    public static IReadOnlyDictionary<string, (ValueKind[] Parameters, ValueKind[] Results)> Signatures { get; } =
        new Dictionary<string, (ValueKind[], ValueKind[])>(StringComparer.Ordinal)
        {
            ["args_get"] = ([I32, I32], [I32]),
            ["args_sizes_get"] = ([I32, I32], [I32]),
            ["environ_get"] = ([I32, I32], [I32]),
            ["environ_sizes_get"] = ([I32, I32], [I32]),
            ["clock_res_get"] = ([I32, I32], [I32]),
            ["clock_time_get"] = ([I32, I64, I32], [I32]),
            ["fd_advise"] = ([I32, I64, I64, I32], [I32]),
            ["fd_allocate"] = ([I32, I64, I64], [I32]),
            ["fd_close"] = ([I32], [I32]),
            ["fd_datasync"] = ([I32], [I32]),
            ["fd_fdstat_get"] = ([I32, I32], [I32]),
            ["fd_fdstat_set_flags"] = ([I32, I32], [I32]),
            ["fd_fdstat_set_rights"] = ([I32, I64, I64], [I32]),
            ["fd_filestat_get"] = ([I32, I32], [I32]),
            ["fd_filestat_set_size"] = ([I32, I64], [I32]),
            ["fd_filestat_set_times"] = ([I32, I64, I64, I32], [I32]),
            ["fd_pread"] = ([I32, I32, I32, I64, I32], [I32]),
            ["fd_prestat_get"] = ([I32, I32], [I32]),
            ["fd_prestat_dir_name"] = ([I32, I32, I32], [I32]),
            ["fd_pwrite"] = ([I32, I32, I32, I64, I32], [I32]),
            ["fd_read"] = ([I32, I32, I32, I32], [I32]),
            ["fd_readdir"] = ([I32, I32, I32, I64, I32], [I32]),
            ["fd_renumber"] = ([I32, I32], [I32]),
            ["fd_seek"] = ([I32, I64, I32, I32], [I32]),
            ["fd_sync"] = ([I32], [I32]),
            ["fd_tell"] = ([I32, I32], [I32]),
            ["fd_write"] = ([I32, I32, I32, I32], [I32]),
            ["path_create_directory"] = ([I32, I32, I32], [I32]),
            ["path_filestat_get"] = ([I32, I32, I32, I32, I32], [I32]),
            ["path_filestat_set_times"] = ([I32, I32, I32, I32, I64, I64, I32], [I32]),
            ["path_link"] = ([I32, I32, I32, I32, I32, I32, I32], [I32]),
            ["path_open"] = ([I32, I32, I32, I32, I32, I64, I64, I32, I32], [I32]),
            ["path_readlink"] = ([I32, I32, I32, I32, I32, I32], [I32]),
            ["path_remove_directory"] = ([I32, I32, I32], [I32]),
            ["path_rename"] = ([I32, I32, I32, I32, I32, I32], [I32]),
            ["path_symlink"] = ([I32, I32, I32, I32, I32], [I32]),
            ["path_unlink_file"] = ([I32, I32, I32], [I32]),
            ["poll_oneoff"] = ([I32, I32, I32, I32], [I32]),
            ["proc_exit"] = ([I32], []),
            ["proc_raise"] = ([I32], [I32]),
            ["sched_yield"] = ([], [I32]),
            ["random_get"] = ([I32, I32], [I32]),
            ["sock_accept"] = ([I32, I32, I32], [I32]),
            ["sock_recv"] = ([I32, I32, I32, I32, I32, I32], [I32]),
            ["sock_send"] = ([I32, I32, I32, I32, I32], [I32]),
            ["sock_shutdown"] = ([I32, I32], [I32]),
        };

    public static void Define(Linker linker)
    {
        linker.DefineFunction(ModuleName, "args_sizes_get", (Caller c, int countPtr, int sizePtr) => SizesGet(c, Context(c).Args, countPtr, sizePtr));
        linker.DefineFunction(ModuleName, "args_get", (Caller c, int pointers, int buffer) => StringsGet(c, Context(c).Args, pointers, buffer));
        linker.DefineFunction(ModuleName, "environ_sizes_get", (Caller c, int countPtr, int sizePtr) => SizesGet(c, Context(c).Env, countPtr, sizePtr));
        linker.DefineFunction(ModuleName, "environ_get", (Caller c, int pointers, int buffer) => StringsGet(c, Context(c).Env, pointers, buffer));
        linker.DefineFunction(ModuleName, "clock_res_get", (Caller c, int id, int resultPtr) => ClockResGet(c, id, resultPtr));
        linker.DefineFunction(ModuleName, "clock_time_get", (Caller c, int id, long precision, int resultPtr) => ClockTimeGet(c, id, resultPtr));
        linker.DefineFunction(ModuleName, "random_get", (Caller c, int buffer, int length) => RandomGet(c, buffer, length));
        linker.DefineFunction(ModuleName, "fd_write", (Caller c, int fd, int iovs, int count, int resultPtr) => FdWrite(c, fd, iovs, count, resultPtr));
        linker.DefineFunction(ModuleName, "fd_read", (Caller c, int fd, int iovs, int count, int resultPtr) => FdRead(c, fd, iovs, count, resultPtr));
        linker.DefineFunction(ModuleName, "fd_fdstat_get", (Caller c, int fd, int resultPtr) => FdFdstatGet(c, fd, resultPtr));
        linker.DefineFunction(ModuleName, "fd_filestat_get", (Caller c, int fd, int resultPtr) => FdFilestatGet(c, fd, resultPtr));
        linker.DefineFunction(ModuleName, "fd_close", (Caller c, int fd) => IsStdio(fd) ? Errno.Success : Errno.Badf);
        linker.DefineFunction(ModuleName, "fd_seek", (Caller c, int fd, long offset, int whence, int resultPtr) => IsStdio(fd) ? Errno.Spipe : Errno.Badf);
        linker.DefineFunction(ModuleName, "fd_tell", (Caller c, int fd, int resultPtr) => IsStdio(fd) ? Errno.Spipe : Errno.Badf);
        linker.DefineFunction(ModuleName, "fd_prestat_get", (Caller c, int fd, int resultPtr) => Errno.Badf);
        linker.DefineFunction(ModuleName, "sched_yield", (Caller c) => Errno.Success);
        linker.DefineFunction(ModuleName, "proc_exit", (Caller c, int code) => Context(c).Exit(code));

        // Everything else: a proper errno and nothing more.
        var defined = new HashSet<string>(StringComparer.Ordinal)
        {
            "args_sizes_get", "args_get", "environ_sizes_get", "environ_get", "clock_res_get", "clock_time_get",
            "random_get", "fd_write", "fd_read", "fd_fdstat_get", "fd_filestat_get", "fd_close", "fd_seek",
            "fd_tell", "fd_prestat_get", "sched_yield", "proc_exit",
        };
        foreach (var (name, (parameters, results)) in Signatures)
        {
            if (defined.Contains(name)) continue;
            var errno = UnsupportedErrno(name);
            linker.DefineFunction(ModuleName, name, (Caller _, ReadOnlySpan<ValueBox> _, Span<ValueBox> output) => output[0] = errno, parameters, results);
        }
    }

    private static int UnsupportedErrno(string name) =>
        name.StartsWith("path_", StringComparison.Ordinal) ? Errno.Notcapable
        : name.StartsWith("fd_", StringComparison.Ordinal) ? Errno.Badf
        : name.StartsWith("sock_", StringComparison.Ordinal) ? Errno.Notsup
        : name == "poll_oneoff" ? Errno.Notsup
        : Errno.Nosys;

    private static WasiContext Context(Caller caller) => (WasiContext)caller.GetData()!;

    private static bool IsStdio(int fd) => fd is >= 0 and <= 2;

    private static int SizesGet(Caller caller, byte[][] strings, int countPtr, int sizePtr)
    {
        if (!GuestMemory.TryGet(caller, out var memory) || !memory.Contains(countPtr, 4) || !memory.Contains(sizePtr, 4)) return Errno.Fault;
        memory.WriteInt32(countPtr, strings.Length);
        memory.WriteInt32(sizePtr, strings.Sum(s => s.Length));
        return Errno.Success;
    }

    private static int StringsGet(Caller caller, byte[][] strings, int pointers, int buffer)
    {
        if (!GuestMemory.TryGet(caller, out var memory)) return Errno.Fault;
        if (!memory.Contains(pointers, 4L * strings.Length) || !memory.Contains(buffer, strings.Sum(s => (long)s.Length))) return Errno.Fault;
        var offset = buffer;
        for (var i = 0; i < strings.Length; i++)
        {
            memory.WriteInt32(pointers + (4 * i), offset);
            strings[i].CopyTo(memory.Span(offset, strings[i].Length));
            offset += strings[i].Length;
        }

        return Errno.Success;
    }

    private static int ClockResGet(Caller caller, int id, int resultPtr)
    {
        if (id is < 0 or > 3) return Errno.Inval;
        if (!GuestMemory.TryGet(caller, out var memory) || !memory.Contains(resultPtr, 8)) return Errno.Fault;
        memory.WriteInt64(resultPtr, 1_000);
        return Errno.Success;
    }

    private static int ClockTimeGet(Caller caller, int id, int resultPtr)
    {
        long nanoseconds;
        switch (id)
        {
            case 0: // realtime
                nanoseconds = (DateTimeOffset.UtcNow - DateTimeOffset.UnixEpoch).Ticks * 100;
                break;
            case 1: // monotonic
                nanoseconds = (long)(Stopwatch.GetTimestamp() * (1_000_000_000.0 / Stopwatch.Frequency));
                break;
            case 2 or 3: // process / thread CPU time: time since the invocation began
                nanoseconds = (long)(Stopwatch.GetElapsedTime(Context(caller).StartTimestamp).Ticks * 100);
                break;
            default:
                return Errno.Inval;
        }

        if (!GuestMemory.TryGet(caller, out var memory) || !memory.Contains(resultPtr, 8)) return Errno.Fault;
        memory.WriteInt64(resultPtr, nanoseconds);
        return Errno.Success;
    }

    private static int RandomGet(Caller caller, int buffer, int length)
    {
        if (!GuestMemory.TryGet(caller, out var memory) || !memory.Contains(buffer, (uint)length)) return Errno.Fault;
        RandomNumberGenerator.Fill(memory.Span(buffer, length));
        return Errno.Success;
    }

    private static int FdWrite(Caller caller, int fd, int iovs, int count, int resultPtr)
    {
        if (fd is not (1 or 2)) return Errno.Badf;
        if (!GuestMemory.TryGet(caller, out var memory) || !memory.Contains(iovs, 8L * (uint)count) || !memory.Contains(resultPtr, 4)) return Errno.Fault;
        var context = Context(caller);
        long written = 0;
        for (var i = 0; i < count; i++)
        {
            var pointer = memory.ReadInt32(iovs + (8 * i));
            var length = memory.ReadInt32(iovs + (8 * i) + 4);
            if (!memory.Contains(pointer, (uint)length)) return Errno.Fault;
            var data = memory.Span(pointer, length);
            if (fd == 1) context.WriteOutput(data);
            else context.WriteLog(data);
            written += length;
        }

        memory.WriteInt32(resultPtr, (int)written);
        return Errno.Success;
    }

    private static int FdRead(Caller caller, int fd, int iovs, int count, int resultPtr)
    {
        if (fd != 0) return Errno.Badf;
        if (!GuestMemory.TryGet(caller, out var memory) || !memory.Contains(iovs, 8L * (uint)count) || !memory.Contains(resultPtr, 4)) return Errno.Fault;
        var context = Context(caller);
        var read = 0;
        for (var i = 0; i < count; i++)
        {
            var pointer = memory.ReadInt32(iovs + (8 * i));
            var length = memory.ReadInt32(iovs + (8 * i) + 4);
            if (!memory.Contains(pointer, (uint)length)) return Errno.Fault;
            var got = context.ReadInput(memory.Span(pointer, length));
            read += got;
            if (got < length) break;
        }

        memory.WriteInt32(resultPtr, read);
        return Errno.Success;
    }

    private static int FdFdstatGet(Caller caller, int fd, int resultPtr)
    {
        if (!IsStdio(fd)) return Errno.Badf;
        if (!GuestMemory.TryGet(caller, out var memory) || !memory.Contains(resultPtr, 24)) return Errno.Fault;
        var stat = memory.Span(resultPtr, 24);
        stat.Clear();

        // Stdio are pipes, not terminals: wasi-libc then buffers stdout fully instead of per line.
        stat[0] = FiletypeUnknown;
        var rights = (fd == 0 ? RightFdRead : RightFdWrite) | RightPollFdReadwrite;
        memory.WriteInt64(resultPtr + 8, rights);
        return Errno.Success;
    }

    private static int FdFilestatGet(Caller caller, int fd, int resultPtr)
    {
        if (!IsStdio(fd)) return Errno.Badf;
        if (!GuestMemory.TryGet(caller, out var memory) || !memory.Contains(resultPtr, 64)) return Errno.Fault;
        var stat = memory.Span(resultPtr, 64);
        stat.Clear();
        stat[16] = FiletypeUnknown;
        return Errno.Success;
    }
}
