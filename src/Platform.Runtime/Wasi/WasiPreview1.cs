using Wasmtime;

namespace Platform.Runtime.Wasi;

/// <summary>
/// A small, in-memory implementation of <c>wasi_snapshot_preview1</c> for the function ABI:
/// stdin from the request, stdout/stderr into capped buffers, args, environ, clocks, random,
/// poll_oneoff, proc_exit, and the fd_*/path_* calls over the invocation's preopened trees
/// (<see cref="FileCalls"/>, <see cref="PathCalls"/>). There are no sockets: those calls return
/// the errno POSIX gives for their fd. Every call is bounded by <see cref="HostCallLimits"/>, pays
/// fuel for its work and stops at the invocation's deadline.
/// Defined once per engine on a shared <see cref="Linker"/>; the per-invocation state is the
/// store's data (<see cref="WasiContext"/>).
/// </summary>
internal static class WasiPreview1
{
    public const string ModuleName = "wasi_snapshot_preview1";

    private const ValueKind I32 = ValueKind.Int32;
    private const ValueKind I64 = ValueKind.Int64;
    private const byte FiletypeUnknown = 0;

    /// <summary>
    /// Every preview 1 function, one row each: its signature and, for the calls this host
    /// implements, how it is defined; a row without one only answers an errno (<see cref="ErrnoRule"/>).
    /// Imports are checked against these signatures at upload.
    /// </summary>
    private static readonly HostCall[] Calls =
        [
            new("args_get", [I32, I32], [I32], (l, n) => l.DefineFunction(ModuleName, n, (Caller c, int pointers, int buffer) => StringsGet(c, Enter(c), static x => x.Args, pointers, buffer))),
            new("args_sizes_get", [I32, I32], [I32], (l, n) => l.DefineFunction(ModuleName, n, (Caller c, int countPtr, int sizePtr) => SizesGet(c, Enter(c), static x => x.Args, countPtr, sizePtr))),
            new("environ_get", [I32, I32], [I32], (l, n) => l.DefineFunction(ModuleName, n, (Caller c, int pointers, int buffer) => StringsGet(c, Enter(c), static x => x.Env, pointers, buffer))),
            new("environ_sizes_get", [I32, I32], [I32], (l, n) => l.DefineFunction(ModuleName, n, (Caller c, int countPtr, int sizePtr) => SizesGet(c, Enter(c), static x => x.Env, countPtr, sizePtr))),
            new("clock_res_get", [I32, I32], [I32], (l, n) => l.DefineFunction(ModuleName, n, (Caller c, int id, int resultPtr) => ClockResGet(c, Enter(c), id, resultPtr))),
            new("clock_time_get", [I32, I64, I32], [I32], (l, n) => l.DefineFunction(ModuleName, n, (Caller c, int id, long precision, int resultPtr) => ClockTimeGet(c, Enter(c), id, resultPtr))),
            new("fd_advise", [I32, I64, I64, I32], [I32], (l, n) => l.DefineFunction(ModuleName, n, (Caller c, int fd, long offset, long length, int advice) => FileCalls.Advise(Enter(c), fd, offset, length, advice))),
            new("fd_allocate", [I32, I64, I64], [I32], (l, n) => l.DefineFunction(ModuleName, n, (Caller c, int fd, long offset, long length) => FileCalls.Allocate(Enter(c), fd))),
            new("fd_close", [I32], [I32], (l, n) => l.DefineFunction(ModuleName, n, (Caller c, int fd) => FileCalls.Close(Enter(c), fd))),
            new("fd_datasync", [I32], [I32], (l, n) => l.DefineFunction(ModuleName, n, (Caller c, int fd) => FileCalls.Sync(Enter(c), fd))),
            new("fd_fdstat_get", [I32, I32], [I32], (l, n) => l.DefineFunction(ModuleName, n, (Caller c, int fd, int resultPtr) => FdFdstatGet(c, Enter(c), fd, resultPtr))),
            new("fd_fdstat_set_flags", [I32, I32], [I32], (l, n) => l.DefineFunction(ModuleName, n, (Caller c, int fd, int flags) => FileCalls.FdstatSetFlags(Enter(c), fd, flags))),
            new("fd_fdstat_set_rights", [I32, I64, I64], [I32], (l, n) => l.DefineFunction(ModuleName, n, (Caller c, int fd, long rightsBase, long rightsInheriting) => FileCalls.FdstatSetRights(Enter(c), fd))),
            new("fd_filestat_get", [I32, I32], [I32], (l, n) => l.DefineFunction(ModuleName, n, (Caller c, int fd, int resultPtr) => FdFilestatGet(c, Enter(c), fd, resultPtr))),
            new("fd_filestat_set_size", [I32, I64], [I32], (l, n) => l.DefineFunction(ModuleName, n, (Caller c, int fd, long size) => FileCalls.FilestatSetSize(Enter(c), fd, size))),
            new("fd_filestat_set_times", [I32, I64, I64, I32], [I32], (l, n) => l.DefineFunction(ModuleName, n, (Caller c, int fd, long accessTime, long modifyTime, int flags) => FileCalls.FilestatSetTimes(c, Enter(c), fd, accessTime, modifyTime, flags))),
            new("fd_pread", [I32, I32, I32, I64, I32], [I32], (l, n) => l.DefineFunction(ModuleName, n, (Caller c, int fd, int iovs, int count, long offset, int resultPtr) => FdPread(c, Enter(c), fd, iovs, count, offset, resultPtr))),
            new("fd_prestat_get", [I32, I32], [I32], (l, n) => l.DefineFunction(ModuleName, n, (Caller c, int fd, int resultPtr) => WithMemory(c, Enter(c), (m, x) => FileCalls.PrestatGet(m, x, fd, resultPtr)))),
            new("fd_prestat_dir_name", [I32, I32, I32], [I32], (l, n) => l.DefineFunction(ModuleName, n, (Caller c, int fd, int buffer, int length) => WithMemory(c, Enter(c), (m, x) => FileCalls.PrestatDirName(m, x, fd, buffer, length)))),
            new("fd_pwrite", [I32, I32, I32, I64, I32], [I32], (l, n) => l.DefineFunction(ModuleName, n, (Caller c, int fd, int iovs, int count, long offset, int resultPtr) => FdPwrite(c, Enter(c), fd, iovs, count, offset, resultPtr))),
            new("fd_read", [I32, I32, I32, I32], [I32], (l, n) => l.DefineFunction(ModuleName, n, (Caller c, int fd, int iovs, int count, int resultPtr) => FdRead(c, Enter(c), fd, iovs, count, resultPtr))),
            new("fd_readdir", [I32, I32, I32, I64, I32], [I32], (l, n) => l.DefineFunction(ModuleName, n, (Caller c, int fd, int buffer, int length, long cookie, int resultPtr) => FdReaddir(c, Enter(c), fd, buffer, length, cookie, resultPtr))),
            new("fd_renumber", [I32, I32], [I32], (l, n) => l.DefineFunction(ModuleName, n, (Caller c, int from, int to) => FileCalls.Renumber(Enter(c), from, to))),
            new("fd_seek", [I32, I64, I32, I32], [I32], (l, n) => l.DefineFunction(ModuleName, n, (Caller c, int fd, long offset, int whence, int resultPtr) => WithMemory(c, Enter(c), (m, x) => FileCalls.Seek(x, m, fd, offset, whence, resultPtr)))),
            new("fd_sync", [I32], [I32], (l, n) => l.DefineFunction(ModuleName, n, (Caller c, int fd) => FileCalls.Sync(Enter(c), fd))),
            new("fd_tell", [I32, I32], [I32], (l, n) => l.DefineFunction(ModuleName, n, (Caller c, int fd, int resultPtr) => WithMemory(c, Enter(c), (m, x) => FileCalls.Tell(x, m, fd, resultPtr)))),
            new("fd_write", [I32, I32, I32, I32], [I32], (l, n) => l.DefineFunction(ModuleName, n, (Caller c, int fd, int iovs, int count, int resultPtr) => FdWrite(c, Enter(c), fd, iovs, count, resultPtr))),
            new("path_create_directory", [I32, I32, I32], [I32], (l, n) => l.DefineFunction(ModuleName, n, (Caller c, int fd, int path, int length) => PathCalls.CreateDirectory(c, Enter(c), fd, path, length))),
            new("path_filestat_get", [I32, I32, I32, I32, I32], [I32], (l, n) => l.DefineFunction(ModuleName, n, (Caller c, int fd, int flags, int path, int length, int resultPtr) => PathCalls.FilestatGet(c, Enter(c), fd, flags, path, length, resultPtr))),
            new("path_filestat_set_times", [I32, I32, I32, I32, I64, I64, I32], [I32], (l, n) => l.DefineFunction(ModuleName, n, (Caller c, int fd, int flags, int path, int length, long accessTime, long modifyTime, int fstFlags) => PathCalls.FilestatSetTimes(c, Enter(c), fd, flags, path, length, accessTime, modifyTime, fstFlags))),
            new("path_link", [I32, I32, I32, I32, I32, I32, I32], [I32], (l, n) => l.DefineFunction(ModuleName, n, (Caller c, int oldFd, int oldFlags, int oldPath, int oldLength, int newFd, int newPath, int newLength) => PathCalls.Link(c, Enter(c), oldFd, oldFlags, oldPath, oldLength, newFd, newPath, newLength))),
            new("path_open", [I32, I32, I32, I32, I32, I64, I64, I32, I32], [I32], (l, n) => l.DefineFunction(ModuleName, n, (Caller c, int fd, int lookupFlags, int path, int length, int oflags, long rightsBase, long rightsInheriting, int fdflags, int resultPtr) => PathCalls.Open(c, Enter(c), fd, lookupFlags, path, length, oflags, rightsBase, fdflags, resultPtr))),
            new("path_readlink", [I32, I32, I32, I32, I32, I32], [I32], (l, n) => l.DefineFunction(ModuleName, n, (Caller c, int fd, int path, int length, int buffer, int bufferLength, int resultPtr) => PathCalls.Readlink(c, Enter(c), fd, path, length, buffer, bufferLength, resultPtr))),
            new("path_remove_directory", [I32, I32, I32], [I32], (l, n) => l.DefineFunction(ModuleName, n, (Caller c, int fd, int path, int length) => PathCalls.RemoveDirectory(c, Enter(c), fd, path, length))),
            new("path_rename", [I32, I32, I32, I32, I32, I32], [I32], (l, n) => l.DefineFunction(ModuleName, n, (Caller c, int oldFd, int oldPath, int oldLength, int newFd, int newPath, int newLength) => PathCalls.Rename(c, Enter(c), oldFd, oldPath, oldLength, newFd, newPath, newLength))),
            new("path_symlink", [I32, I32, I32, I32, I32], [I32], (l, n) => l.DefineFunction(ModuleName, n, (Caller c, int oldPath, int oldLength, int fd, int newPath, int newLength) => PathCalls.Symlink(c, Enter(c), oldPath, oldLength, fd, newPath, newLength))),
            new("path_unlink_file", [I32, I32, I32], [I32], (l, n) => l.DefineFunction(ModuleName, n, (Caller c, int fd, int path, int length) => PathCalls.UnlinkFile(c, Enter(c), fd, path, length))),
            new("poll_oneoff", [I32, I32, I32, I32], [I32], (l, n) => l.DefineFunction(ModuleName, n, (Caller c, int subscriptions, int events, int count, int resultPtr) => PollOneoff.Poll(c, Enter(c), subscriptions, events, count, resultPtr))),
            new("proc_exit", [I32], [], (l, n) => l.DefineFunction(ModuleName, n, (Caller c, int code) => Context(c).Exit(code))),
            new("proc_raise", [I32], [I32]),
            new("sched_yield", [], [I32], (l, n) => l.DefineFunction(ModuleName, n, (Caller c) => SchedYield(c))),
            new("random_get", [I32, I32], [I32], (l, n) => l.DefineFunction(ModuleName, n, (Caller c, int buffer, int length) => RandomGet(c, Enter(c), buffer, length))),
            new("sock_accept", [I32, I32, I32], [I32]),
            new("sock_recv", [I32, I32, I32, I32, I32, I32], [I32]),
            new("sock_send", [I32, I32, I32, I32, I32], [I32]),
            new("sock_shutdown", [I32, I32], [I32]),
        ];

    /// <summary>Every preview 1 function: name -> (params, results).</summary>
    public static IReadOnlyDictionary<string, (ValueKind[] Parameters, ValueKind[] Results)> Signatures { get; } =
        Calls.ToDictionary(call => call.Name, call => (call.Parameters, call.Results), StringComparer.Ordinal);

    public static void Define(Linker linker)
    {
        foreach (var call in Calls)
        {
            if (call.Define is { } define)
            {
                define(linker, call.Name);
                continue;
            }

            // Touches no memory: an errno chosen by the fd it names.
            var errnoFor = ErrnoRule(call.Name);
            linker.DefineFunction(
                ModuleName,
                call.Name,
                (Caller c, ReadOnlySpan<ValueBox> input, Span<ValueBox> output) => output[0] = errnoFor(Enter(c), input),
                call.Parameters,
                call.Results);
        }
    }

    private static int SchedYield(Caller caller)
    {
        Enter(caller);
        return Errno.Success; // the guest is its invocation's only thread: nothing to yield to
    }

    /// <summary>
    /// The errno of a call this host does not implement (sockets, proc_raise), from the fd in its
    /// first parameter: an open fd is not a socket (ENOTSOCK), any other is EBADF.
    /// </summary>
    private static Func<WasiContext, ReadOnlySpan<ValueBox>, int> ErrnoRule(string name)
    {
        if (!name.StartsWith("sock_", StringComparison.Ordinal)) return static (_, _) => Errno.Nosys;
        return static (context, input) => context.Files.Get(input[0].AsInt32()) is null ? Errno.Badf : Errno.Notsock;
    }

    private static WasiContext Context(Caller caller) => (WasiContext)caller.GetData()!;

    private static WasiContext Enter(Caller caller)
    {
        var context = Context(caller);
        context.Enter(caller);
        return context;
    }

    private static int SizesGet(Caller caller, WasiContext context, Func<WasiContext, byte[][]> select, int countPtr, int sizePtr)
    {
        var strings = select(context);
        if (!GuestMemory.TryGet(caller, context, out var memory) || !memory.Contains(countPtr, 4) || !memory.Contains(sizePtr, 4)) return Errno.Fault;
        memory.WriteInt32(countPtr, strings.Length);
        memory.WriteInt32(sizePtr, strings.Sum(s => s.Length));
        return Errno.Success;
    }

    private static int StringsGet(Caller caller, WasiContext context, Func<WasiContext, byte[][]> select, int pointers, int buffer)
    {
        var strings = select(context);
        if (!GuestMemory.TryGet(caller, context, out var memory)) return Errno.Fault;
        var bytes = strings.Sum(s => (long)s.Length);
        if (!memory.Contains(pointers, 4L * strings.Length) || !memory.Contains(buffer, bytes)) return Errno.Fault;
        context.Charge(caller, HostCallLimits.FuelForBytes(bytes + (4L * strings.Length)));
        var offset = buffer;
        for (var i = 0; i < strings.Length; i++)
        {
            memory.WriteInt32(pointers + (4 * i), offset);
            strings[i].CopyTo(memory.Span(offset, strings[i].Length));
            offset += strings[i].Length;
        }

        return Errno.Success;
    }

    private static int ClockResGet(Caller caller, WasiContext context, int id, int resultPtr)
    {
        if (!WasiClock.IsKnown(id)) return Errno.Inval;
        if (!GuestMemory.TryGet(caller, context, out var memory) || !memory.Contains(resultPtr, 8)) return Errno.Fault;
        memory.WriteInt64(resultPtr, WasiClock.ResolutionNanoseconds);
        return Errno.Success;
    }

    private static int ClockTimeGet(Caller caller, WasiContext context, int id, int resultPtr)
    {
        if (!WasiClock.IsKnown(id)) return Errno.Inval;
        if (!GuestMemory.TryGet(caller, context, out var memory) || !memory.Contains(resultPtr, 8)) return Errno.Fault;
        memory.WriteInt64(resultPtr, context.Tape.Clock(id, context));
        return Errno.Success;
    }

    /// <summary>At most <see cref="HostCallLimits.MaxBytesPerCall"/> bytes: random_get cannot report a partial fill, so a longer request is EINVAL.</summary>
    private static int RandomGet(Caller caller, WasiContext context, int buffer, int length)
    {
        if ((uint)length > HostCallLimits.MaxBytesPerCall) return Errno.Inval;
        if (!GuestMemory.TryGet(caller, context, out var memory) || !memory.Contains(buffer, length)) return Errno.Fault;
        context.Charge(caller, HostCallLimits.FuelForBytes(length));
        context.Tape.Random(memory.Span(buffer, length));
        return Errno.Success;
    }

    private static int WithMemory(Caller caller, WasiContext context, Func<GuestMemory, WasiContext, int> call) =>
        GuestMemory.TryGet(caller, context, out var memory) ? call(memory, context) : Errno.Fault;

    private static int FdWrite(Caller caller, WasiContext context, int fd, int iovs, int count, int resultPtr)
    {
        if ((uint)count > HostCallLimits.MaxIovecs) return Errno.Inval;
        if (!GuestMemory.TryGet(caller, context, out var memory) || !memory.Contains(iovs, 8L * count) || !memory.Contains(resultPtr, 4)) return Errno.Fault;
        var iovecs = new Iovecs(iovs, count);
        if (context.Files.Get(fd) is not { } descriptor) return Errno.Badf;
        if (descriptor.Stream is not { } stream) return FileCalls.Write(caller, context, memory, descriptor, iovecs, null, resultPtr);
        if (stream == 0) return Errno.Badf;
        var bytes = iovecs.Total(context, memory, HostCallLimits.MaxBytesPerCall, out var errno);
        if (errno != Errno.Success) return errno;
        context.Charge(caller, (count * HostCallLimits.FuelPerItem) + HostCallLimits.FuelForBytes(bytes));

        var written = 0;
        for (var i = 0; i < count && written < bytes; i++)
        {
            context.CheckDeadline();
            var (pointer, length) = iovecs.Get(memory, i);
            var data = memory.Span(pointer, (int)Math.Min(length, bytes - written));
            if (stream == 1) context.WriteOutput(data);
            else context.WriteLog(data);
            written += data.Length;
        }

        memory.WriteInt32(resultPtr, written);
        return Errno.Success;
    }

    private static int FdRead(Caller caller, WasiContext context, int fd, int iovs, int count, int resultPtr)
    {
        if ((uint)count > HostCallLimits.MaxIovecs) return Errno.Inval;
        if (!GuestMemory.TryGet(caller, context, out var memory) || !memory.Contains(iovs, 8L * count) || !memory.Contains(resultPtr, 4)) return Errno.Fault;
        var iovecs = new Iovecs(iovs, count);
        if (context.Files.Get(fd) is not { } descriptor) return Errno.Badf;
        if (descriptor.Stream is not { } stream) return FileCalls.Read(caller, context, memory, descriptor, iovecs, null, resultPtr);
        if (stream != 0) return Errno.Badf;
        var bytes = iovecs.Total(context, memory, Math.Min(HostCallLimits.MaxBytesPerCall, context.InputRemaining), out var errno);
        if (errno != Errno.Success) return errno;
        context.Charge(caller, (count * HostCallLimits.FuelPerItem) + HostCallLimits.FuelForBytes(bytes));

        var read = 0;
        for (var i = 0; i < count && read < bytes; i++)
        {
            context.CheckDeadline();
            var (pointer, length) = iovecs.Get(memory, i);
            read += context.ReadInput(memory.Span(pointer, (int)Math.Min(length, bytes - read)));
        }

        memory.WriteInt32(resultPtr, read);
        return Errno.Success;
    }

    private static int FdPread(Caller caller, WasiContext context, int fd, int iovs, int count, long offset, int resultPtr) =>
        Positioned(caller, context, fd, iovs, count, offset, resultPtr, write: false);

    private static int FdPwrite(Caller caller, WasiContext context, int fd, int iovs, int count, long offset, int resultPtr) =>
        Positioned(caller, context, fd, iovs, count, offset, resultPtr, write: true);

    private static int Positioned(Caller caller, WasiContext context, int fd, int iovs, int count, long offset, int resultPtr, bool write)
    {
        if (context.Files.Get(fd) is not { } descriptor) return Errno.Badf;
        if (descriptor.Stream is not null) return Errno.Spipe;
        if ((uint)count > HostCallLimits.MaxIovecs || offset < 0) return Errno.Inval;
        if (!GuestMemory.TryGet(caller, context, out var memory) || !memory.Contains(iovs, 8L * count) || !memory.Contains(resultPtr, 4)) return Errno.Fault;
        var iovecs = new Iovecs(iovs, count);
        return write
            ? FileCalls.Write(caller, context, memory, descriptor, iovecs, offset, resultPtr)
            : FileCalls.Read(caller, context, memory, descriptor, iovecs, offset, resultPtr);
    }

    private static int FdReaddir(Caller caller, WasiContext context, int fd, int buffer, int length, long cookie, int resultPtr) =>
        GuestMemory.TryGet(caller, context, out var memory) ? FileCalls.Readdir(caller, context, memory, fd, buffer, length, cookie, resultPtr) : Errno.Fault;

    private static int FdFdstatGet(Caller caller, WasiContext context, int fd, int resultPtr)
    {
        if (!GuestMemory.TryGet(caller, context, out var memory)) return Errno.Fault;
        if (context.Files.Get(fd) is not { } descriptor) return Errno.Badf;
        if (descriptor.Stream is not { } stream) return FileCalls.FdstatGet(memory, descriptor, resultPtr);
        if (!memory.Contains(resultPtr, 24)) return Errno.Fault;
        var stat = memory.Span(resultPtr, 24);
        stat.Clear();

        // Stdio are pipes, not terminals: wasi-libc then buffers stdout fully instead of per line.
        stat[0] = FiletypeUnknown;
        var rights = (stream == 0 ? Rights.FdRead : Rights.FdWrite) | Rights.PollFdReadwrite;
        memory.WriteInt64(resultPtr + 8, rights);
        return Errno.Success;
    }

    private static int FdFilestatGet(Caller caller, WasiContext context, int fd, int resultPtr)
    {
        if (!GuestMemory.TryGet(caller, context, out var memory)) return Errno.Fault;
        if (context.Files.Get(fd) is not { } descriptor) return Errno.Badf;
        if (descriptor.Stream is null) return FileCalls.FilestatGet(memory, descriptor, resultPtr);
        if (!memory.Contains(resultPtr, 64)) return Errno.Fault;
        var stat = memory.Span(resultPtr, 64);
        stat.Clear();
        stat[16] = FiletypeUnknown;
        return Errno.Success;
    }

    /// <summary>One row of <see cref="Calls"/>: a host function's signature and, when implemented, its definition on a linker.</summary>
    private sealed record HostCall(string Name, ValueKind[] Parameters, ValueKind[] Results, Action<Linker, string>? Define = null);
}
