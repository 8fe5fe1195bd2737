using Platform.Runtime.Wasi;

namespace Platform.Runtime.Files;

/// <summary>
/// An invocation's fds: stdio as 0, 1, 2, then its preopens (the asset bundle as <c>/</c>, scratch as
/// <c>/tmp</c>, then each mount, in that order), then what the guest opens, at the lowest free
/// number. At most <see cref="MaxOpen"/> fds opened by the guest at once (EMFILE past it).
/// Everything is released when the invocation ends.
/// </summary>
internal sealed class FdTable : IDisposable
{
    /// <summary>Fds a guest may hold open besides stdio and its preopens.</summary>
    public const int MaxOpen = 4096;

    private const int FirstFd = 3;
    private readonly Dictionary<int, Descriptor> _open = [];
    private readonly int _preopens;
    private int _lowestFree = FirstFd;

    public FdTable(IEnumerable<Descriptor> preopens)
    {
        for (var stream = 0; stream < FirstFd; stream++) _open[stream] = Descriptor.Stdio(stream);
        foreach (var preopen in preopens) _open[_lowestFree++] = preopen;
        _preopens = _open.Count;
    }

    /// <summary>True when <paramref name="fd"/> is open on stdin, stdout or stderr.</summary>
    public bool IsStdio(int fd) => Get(fd)?.Stream is not null;

    public Descriptor? Get(int fd) => _open.GetValueOrDefault(fd);

    public int Add(Descriptor descriptor, out int fd)
    {
        fd = -1;
        if (_open.Count >= MaxOpen + _preopens) return Errno.Mfile;
        while (_open.ContainsKey(_lowestFree)) _lowestFree++;
        fd = _lowestFree++;
        _open[fd] = descriptor;
        return Errno.Success;
    }

    public int Close(int fd)
    {
        if (!_open.Remove(fd, out var descriptor)) return Errno.Badf;
        Release(descriptor);
        _lowestFree = Math.Max(Math.Min(_lowestFree, fd), FirstFd);
        return Errno.Success;
    }

    public int Renumber(int from, int to)
    {
        if (!_open.TryGetValue(from, out var descriptor) || !_open.TryGetValue(to, out var replaced)) return Errno.Badf;
        if (from == to) return Errno.Success;
        Release(replaced);
        _open[to] = descriptor;
        _open.Remove(from);
        _lowestFree = Math.Max(Math.Min(_lowestFree, from), FirstFd);
        return Errno.Success;
    }

    public void Dispose()
    {
        foreach (var descriptor in _open.Values) Release(descriptor);
        _open.Clear();
    }

    /// <summary>Each descriptor has its own node object for a host file, so closing one never closes another's handle.</summary>
    private static void Release(Descriptor descriptor) => descriptor.File?.Dispose();
}
