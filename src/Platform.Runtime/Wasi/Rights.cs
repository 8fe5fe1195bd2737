namespace Platform.Runtime.Wasi;

/// <summary>
/// The rights fd_fdstat_get reports. This host does not narrow rights (fd_fdstat_set_rights is
/// ENOTSUP, as in current wasmtime); what an fd may do follows from how it was opened.
/// </summary>
internal static class Rights
{
    public const long FdDatasync = 1L << 0;
    public const long FdRead = 1L << 1;
    public const long FdSeek = 1L << 2;
    public const long FdFdstatSetFlags = 1L << 3;
    public const long FdSync = 1L << 4;
    public const long FdTell = 1L << 5;
    public const long FdWrite = 1L << 6;
    public const long FdAdvise = 1L << 7;
    public const long FdAllocate = 1L << 8;
    public const long PathCreateDirectory = 1L << 9;
    public const long PathCreateFile = 1L << 10;
    public const long PathLinkSource = 1L << 11;
    public const long PathLinkTarget = 1L << 12;
    public const long PathOpen = 1L << 13;
    public const long FdReaddir = 1L << 14;
    public const long PathReadlink = 1L << 15;
    public const long PathRenameSource = 1L << 16;
    public const long PathRenameTarget = 1L << 17;
    public const long PathFilestatGet = 1L << 18;
    public const long PathFilestatSetSize = 1L << 19;
    public const long PathFilestatSetTimes = 1L << 20;
    public const long FdFilestatGet = 1L << 21;
    public const long FdFilestatSetSize = 1L << 22;
    public const long FdFilestatSetTimes = 1L << 23;
    public const long PathSymlink = 1L << 24;
    public const long PathRemoveDirectory = 1L << 25;
    public const long PathUnlinkFile = 1L << 26;
    public const long PollFdReadwrite = 1L << 27;

    /// <summary>Requested rights that make path_open open for writing (as wasmtime decides).</summary>
    public const long WriteIntent = FdDatasync | FdWrite | FdAllocate | FdFilestatSetSize;

    public const long Directory = FdFdstatSetFlags | FdSync | FdReaddir | FdFilestatGet | FdFilestatSetTimes
        | PathCreateDirectory | PathCreateFile | PathLinkSource | PathLinkTarget | PathOpen | PathReadlink
        | PathRenameSource | PathRenameTarget | PathFilestatGet | PathFilestatSetTimes | PathSymlink
        | PathRemoveDirectory | PathUnlinkFile;

    private const long FileAlways = FdSeek | FdTell | FdFdstatSetFlags | FdSync | FdDatasync | FdAdvise | FdFilestatGet | FdFilestatSetTimes | PollFdReadwrite;

    public const long AnyFile = FileAlways | FdRead | FdWrite | FdAllocate | FdFilestatSetSize;

    public static long File(bool read, bool write) =>
        FileAlways | (read ? FdRead : 0) | (write ? FdWrite | FdAllocate | FdFilestatSetSize : 0);
}
