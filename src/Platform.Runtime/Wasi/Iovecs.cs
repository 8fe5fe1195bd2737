namespace Platform.Runtime.Wasi;

/// <summary>A guest's iovec array (pointer, length pairs), already checked to lie in memory.</summary>
internal readonly record struct Iovecs(int Pointer, int Count)
{
    public (int Pointer, long Length) Get(GuestMemory memory, int index) =>
        (memory.ReadInt32(Pointer + (8 * index)), (uint)memory.ReadInt32(Pointer + (8 * index) + 4));

    /// <summary>
    /// Checks every iovec, then returns how many bytes of them this call moves: their total, cut
    /// at <paramref name="limit"/> (a short read or write, which callers handle).
    /// </summary>
    public int Total(WasiContext context, GuestMemory memory, int limit, out int errno)
    {
        long total = 0;
        for (var i = 0; i < Count; i++)
        {
            context.CheckDeadline();
            var pointer = memory.ReadInt32(Pointer + (8 * i));
            var length = (uint)memory.ReadInt32(Pointer + (8 * i) + 4);
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
}
