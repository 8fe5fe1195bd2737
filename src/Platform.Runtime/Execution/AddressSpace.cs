using System.Runtime.InteropServices;

namespace Platform.Runtime.Execution;

/// <summary>
/// Whether the process can still reserve a range of address space. Wasmtime reserves the
/// pooling allocator's slots when the engine is created and, through the C API, aborts the
/// whole process when that reservation fails; asking the kernel for the same reservation first
/// (and giving it back at once) turns that abort into an error the caller can report.
/// </summary>
internal static partial class AddressSpace
{
    private const string Libc = "libc";
    private const int ProtNone = 0;
    private const int MapPrivate = 0x02;
    private const int MapAnonymous = 0x20;
    private const int MapNoReserve = 0x4000;
    private static readonly nint MapFailed = -1;

    public static bool CanReserve(ulong bytes)
    {
        if (!OperatingSystem.IsLinux() || !Environment.Is64BitProcess) return true;
        if (bytes > long.MaxValue) return false;
        var address = Mmap(0, (nuint)bytes, ProtNone, MapPrivate | MapAnonymous | MapNoReserve, -1, 0);
        if (address == MapFailed) return false;
        _ = Munmap(address, (nuint)bytes);
        return true;
    }

    [LibraryImport(Libc, EntryPoint = "mmap", SetLastError = true)]
    private static partial nint Mmap(nint address, nuint length, int protection, int flags, int fd, long offset);

    [LibraryImport(Libc, EntryPoint = "munmap", SetLastError = true)]
    private static partial int Munmap(nint address, nuint length);
}
