using Wasmtime;

namespace Platform.Runtime.Wasi;

/// <summary>
/// A small, in-memory implementation of <c>wasi_snapshot_preview1</c> for the function ABI:
/// stdin from the request, stdout/stderr into capped buffers, args, environ, clocks, random,
/// poll_oneoff and proc_exit. There are no files, directories or sockets: every such call returns
/// the errno POSIX gives for its fd. Every call is bounded by <see cref="HostCallLimits"/>, pays
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
    private const long RightFdRead = 1 << 1;
    private const long RightFdWrite = 1 << 6;
    private const long RightPollFdReadwrite = 1 << 27;

    /// <summary>
    /// Every preview 1 function, one row each: its signature and, for the calls this host
    /// implements, how it is defined; a row without one only answers an errno (<see cref="ErrnoRule"/>).
    /// Imports are checked against these signatures at upload.
    /// </summary>
    private static readonly HostCall[] Calls =
        [
            new("args_get", [I32, I32], [I32], (l, n) => l.DefineFunction(ModuleName, n, (Caller c, int pointers, int buffer) => StringsGet(c, Enter(c).Args, pointers, buffer))),
            new("args_sizes_get", [I32, I32], [I32], (l, n) => l.DefineFunction(ModuleName, n, (Caller c, int countPtr, int sizePtr) => SizesGet(c, Enter(c).Args, countPtr, sizePtr))),
            new("environ_get", [I32, I32], [I32], (l, n) => l.DefineFunction(ModuleName, n, (Caller c, int pointers, int buffer) => StringsGet(c, Enter(c).Env, pointers, buffer))),
            new("environ_sizes_get", [I32, I32], [I32], (l, n) => l.DefineFunction(ModuleName, n, (Caller c, int countPtr, int sizePtr) => SizesGet(c, Enter(c).Env, countPtr, sizePtr))),
            new("clock_res_get", [I32, I32], [I32], (l, n) => l.DefineFunction(ModuleName, n, (Caller c, int id, int resultPtr) => ClockResGet(c, Enter(c), id, resultPtr))),
            new("clock_time_get", [I32, I64, I32], [I32], (l, n) => l.DefineFunction(ModuleName, n, (Caller c, int id, long precision, int resultPtr) => ClockTimeGet(c, Enter(c), id, resultPtr))),
            new("fd_advise", [I32, I64, I64, I32], [I32]),
            new("fd_allocate", [I32, I64, I64], [I32]),
            new("fd_close", [I32], [I32]),
            new("fd_datasync", [I32], [I32]),
            new("fd_fdstat_get", [I32, I32], [I32], (l, n) => l.DefineFunction(ModuleName, n, (Caller c, int fd, int resultPtr) => FdFdstatGet(c, Enter(c), fd, resultPtr))),
            new("fd_fdstat_set_flags", [I32, I32], [I32]),
            new("fd_fdstat_set_rights", [I32, I64, I64], [I32]),
            new("fd_filestat_get", [I32, I32], [I32], (l, n) => l.DefineFunction(ModuleName, n, (Caller c, int fd, int resultPtr) => FdFilestatGet(c, Enter(c), fd, resultPtr))),
            new("fd_filestat_set_size", [I32, I64], [I32]),
            new("fd_filestat_set_times", [I32, I64, I64, I32], [I32]),
            new("fd_pread", [I32, I32, I32, I64, I32], [I32]),
            new("fd_prestat_get", [I32, I32], [I32]),
            new("fd_prestat_dir_name", [I32, I32, I32], [I32]),
            new("fd_pwrite", [I32, I32, I32, I64, I32], [I32]),
            new("fd_read", [I32, I32, I32, I32], [I32], (l, n) => l.DefineFunction(ModuleName, n, (Caller c, int fd, int iovs, int count, int resultPtr) => FdRead(c, Enter(c), fd, iovs, count, resultPtr))),
            new("fd_readdir", [I32, I32, I32, I64, I32], [I32]),
            new("fd_renumber", [I32, I32], [I32]),
            new("fd_seek", [I32, I64, I32, I32], [I32]),
            new("fd_sync", [I32], [I32]),
            new("fd_tell", [I32, I32], [I32]),
            new("fd_write", [I32, I32, I32, I32], [I32], (l, n) => l.DefineFunction(ModuleName, n, (Caller c, int fd, int iovs, int count, int resultPtr) => FdWrite(c, Enter(c), fd, iovs, count, resultPtr))),
            new("path_create_directory", [I32, I32, I32], [I32]),
            new("path_filestat_get", [I32, I32, I32, I32, I32], [I32]),
            new("path_filestat_set_times", [I32, I32, I32, I32, I64, I64, I32], [I32]),
            new("path_link", [I32, I32, I32, I32, I32, I32, I32], [I32]),
            new("path_open", [I32, I32, I32, I32, I32, I64, I64, I32, I32], [I32]),
            new("path_readlink", [I32, I32, I32, I32, I32, I32], [I32]),
            new("path_remove_directory", [I32, I32, I32], [I32]),
            new("path_rename", [I32, I32, I32, I32, I32, I32], [I32]),
            new("path_symlink", [I32, I32, I32, I32, I32], [I32]),
            new("path_unlink_file", [I32, I32, I32], [I32]),
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
                (Caller c, ReadOnlySpan<ValueBox> input, Span<ValueBox> output) =>
                {
                    Enter(c);
                    output[0] = errnoFor(input);
                },
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
    /// The errno of a call this host does not implement, from the fd in its first parameter: an
    /// fd that is not open is EBADF; stdio (pipes, not files, directories or sockets) gets what
    /// POSIX gives a pipe.
    /// </summary>
    private static Func<ReadOnlySpan<ValueBox>, int> ErrnoRule(string name)
    {
        var onStdio = name switch
        {
            "fd_advise" or "fd_allocate" or "fd_pread" or "fd_pwrite" => Errno.Spipe,
            "fd_seek" or "fd_tell" => Errno.Spipe,
            "fd_datasync" or "fd_sync" or "fd_filestat_set_size" => Errno.Inval,
            "fd_close" or "fd_fdstat_set_flags" => Errno.Success,
            "fd_fdstat_set_rights" or "fd_filestat_set_times" => Errno.Notsup,
            "fd_prestat_get" or "fd_prestat_dir_name" => Errno.Badf,
            "fd_readdir" => Errno.Notdir,
            "fd_renumber" => Errno.Notsup,
            _ when name.StartsWith("path_", StringComparison.Ordinal) => Errno.Notdir,
            _ when name.StartsWith("sock_", StringComparison.Ordinal) => Errno.Notsock,
            _ => -1,
        };
        if (onStdio < 0) return static _ => Errno.Nosys;
        if (name == "fd_renumber") return static input => IsStdio(input[0].AsInt32()) && IsStdio(input[1].AsInt32()) ? Errno.Notsup : Errno.Badf;
        return input => IsStdio(input[0].AsInt32()) ? onStdio : Errno.Badf;
    }

    private static WasiContext Context(Caller caller) => (WasiContext)caller.GetData()!;

    private static WasiContext Enter(Caller caller)
    {
        var context = Context(caller);
        context.Enter(caller);
        return context;
    }

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
        var bytes = strings.Sum(s => (long)s.Length);
        if (!memory.Contains(pointers, 4L * strings.Length) || !memory.Contains(buffer, bytes)) return Errno.Fault;
        Context(caller).Charge(caller, HostCallLimits.FuelForBytes(bytes + (4L * strings.Length)));
        var offset = buffer;
        for (var i = 0; i < strings.Length; i++)
        {
            memory.WriteInt32(pointers + (4 * i), offset);
            strings[i].CopyTo(memory.Span(offset, strings[i].Length));
            offset += strings[i].Length;
        }

        return Errno.Success;
    }

    private static int ClockResGet(Caller caller, WasiContext _, int id, int resultPtr)
    {
        if (!WasiClock.IsKnown(id)) return Errno.Inval;
        if (!GuestMemory.TryGet(caller, out var memory) || !memory.Contains(resultPtr, 8)) return Errno.Fault;
        memory.WriteInt64(resultPtr, WasiClock.ResolutionNanoseconds);
        return Errno.Success;
    }

    private static int ClockTimeGet(Caller caller, WasiContext context, int id, int resultPtr)
    {
        if (!WasiClock.IsKnown(id)) return Errno.Inval;
        if (!GuestMemory.TryGet(caller, out var memory) || !memory.Contains(resultPtr, 8)) return Errno.Fault;
        memory.WriteInt64(resultPtr, context.Tape.Clock(id, context));
        return Errno.Success;
    }

    /// <summary>At most <see cref="HostCallLimits.MaxBytesPerCall"/> bytes: random_get cannot report a partial fill, so a longer request is EINVAL.</summary>
    private static int RandomGet(Caller caller, WasiContext context, int buffer, int length)
    {
        if ((uint)length > HostCallLimits.MaxBytesPerCall) return Errno.Inval;
        if (!GuestMemory.TryGet(caller, out var memory) || !memory.Contains(buffer, length)) return Errno.Fault;
        context.Charge(caller, HostCallLimits.FuelForBytes(length));
        context.Tape.Random(memory.Span(buffer, length));
        return Errno.Success;
    }

    /// <summary>
    /// Reads and checks every iovec, then returns how many bytes of them this call moves: their
    /// total, cut at <paramref name="limit"/> (a short read or write, which callers handle).
    /// </summary>
    private static int IovecsTotal(WasiContext context, GuestMemory memory, int iovs, int count, int limit, out int errno)
    {
        long total = 0;
        for (var i = 0; i < count; i++)
        {
            context.CheckDeadline();
            var pointer = memory.ReadInt32(iovs + (8 * i));
            var length = (uint)memory.ReadInt32(iovs + (8 * i) + 4);
            if (!memory.Contains(pointer, length))
            {
                errno = Errno.Fault;
                return 0;
            }

            total += length;
        }

        errno = Errno.Success;
        return (int)Math.Min(total, limit);
    }

    private static int FdWrite(Caller caller, WasiContext context, int fd, int iovs, int count, int resultPtr)
    {
        if (fd is not (1 or 2)) return Errno.Badf;
        if ((uint)count > HostCallLimits.MaxIovecs) return Errno.Inval;
        if (!GuestMemory.TryGet(caller, out var memory) || !memory.Contains(iovs, 8L * count) || !memory.Contains(resultPtr, 4)) return Errno.Fault;
        var bytes = IovecsTotal(context, memory, iovs, count, HostCallLimits.MaxBytesPerCall, out var errno);
        if (errno != Errno.Success) return errno;
        context.Charge(caller, (count * HostCallLimits.FuelPerItem) + HostCallLimits.FuelForBytes(bytes));

        var written = 0;
        for (var i = 0; i < count && written < bytes; i++)
        {
            context.CheckDeadline();
            var pointer = memory.ReadInt32(iovs + (8 * i));
            var length = (int)Math.Min((uint)memory.ReadInt32(iovs + (8 * i) + 4), bytes - written);
            var data = memory.Span(pointer, length);
            if (fd == 1) context.WriteOutput(data);
            else context.WriteLog(data);
            written += length;
        }

        memory.WriteInt32(resultPtr, written);
        return Errno.Success;
    }

    private static int FdRead(Caller caller, WasiContext context, int fd, int iovs, int count, int resultPtr)
    {
        if (fd != 0) return Errno.Badf;
        if ((uint)count > HostCallLimits.MaxIovecs) return Errno.Inval;
        if (!GuestMemory.TryGet(caller, out var memory) || !memory.Contains(iovs, 8L * count) || !memory.Contains(resultPtr, 4)) return Errno.Fault;
        var bytes = IovecsTotal(context, memory, iovs, count, Math.Min(HostCallLimits.MaxBytesPerCall, context.InputRemaining), out var errno);
        if (errno != Errno.Success) return errno;
        context.Charge(caller, (count * HostCallLimits.FuelPerItem) + HostCallLimits.FuelForBytes(bytes));

        var read = 0;
        for (var i = 0; i < count && read < bytes; i++)
        {
            context.CheckDeadline();
            var pointer = memory.ReadInt32(iovs + (8 * i));
            var length = (int)Math.Min((uint)memory.ReadInt32(iovs + (8 * i) + 4), bytes - read);
            read += context.ReadInput(memory.Span(pointer, length));
        }

        memory.WriteInt32(resultPtr, read);
        return Errno.Success;
    }

    private static int FdFdstatGet(Caller caller, WasiContext _, int fd, int resultPtr)
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

    private static int FdFilestatGet(Caller caller, WasiContext _, int fd, int resultPtr)
    {
        if (!IsStdio(fd)) return Errno.Badf;
        if (!GuestMemory.TryGet(caller, out var memory) || !memory.Contains(resultPtr, 64)) return Errno.Fault;
        var stat = memory.Span(resultPtr, 64);
        stat.Clear();
        stat[16] = FiletypeUnknown;
        return Errno.Success;
    }

    /// <summary>One row of <see cref="Calls"/>: a host function's signature and, when implemented, its definition on a linker.</summary>
    private sealed record HostCall(string Name, ValueKind[] Parameters, ValueKind[] Results, Action<Linker, string>? Define = null);
}
