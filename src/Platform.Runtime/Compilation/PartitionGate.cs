namespace Platform.Runtime.Compilation;

/// <summary>
/// One compile at a time per partition (a tenant): a tenant that uploads many expensive modules
/// at once occupies one compiler, not all of them. Entries live only while someone holds or
/// waits for them, so the table is bounded by the compiles in flight.
/// </summary>
internal sealed class PartitionGate
{
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public async Task<IDisposable> EnterAsync(string? partition, CancellationToken cancellationToken)
    {
        if (partition is null) return Lease.None;
        Entry entry;
        lock (_lock)
        {
            if (!_entries.TryGetValue(partition, out entry!))
                _entries[partition] = entry = new Entry();
            entry.Users++;
        }

        try
        {
            await entry.Semaphore.WaitAsync(cancellationToken);
        }
        catch
        {
            Leave(partition, entry, release: false);
            throw;
        }

        return new Lease(() => Leave(partition, entry, release: true));
    }

    private void Leave(string partition, Entry entry, bool release)
    {
        if (release) entry.Semaphore.Release();
        lock (_lock)
        {
            if (--entry.Users == 0)
            {
                _entries.Remove(partition);
                entry.Semaphore.Dispose();
            }
        }
    }

    private sealed class Entry
    {
        public SemaphoreSlim Semaphore { get; } = new(1, 1);

        public int Users { get; set; }
    }

    private sealed class Lease(Action? leave) : IDisposable
    {
        public static Lease None { get; } = new(null);

        private Action? _leave = leave;

        public void Dispose() => Interlocked.Exchange(ref _leave, null)?.Invoke();
    }
}
