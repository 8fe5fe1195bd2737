namespace Platform.Runtime.Caching;

/// <summary>Loaded modules by hash, least recently used out first, bounded by count and bytes.</summary>
internal sealed class ModuleLru(int maxCount, long maxBytes)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, LinkedListNode<CompiledModule>> _entries = new(StringComparer.Ordinal);
    private readonly LinkedList<CompiledModule> _order = new();
    private long _bytes;

    public int Count
    {
        get { lock (_lock) return _entries.Count; }
    }

    public long Bytes
    {
        get { lock (_lock) return _bytes; }
    }

    public bool TryGet(string sha256, out CompiledModule module)
    {
        lock (_lock)
        {
            if (_entries.TryGetValue(sha256, out var node))
            {
                _order.Remove(node);
                _order.AddFirst(node);
                module = node.Value;
                return true;
            }
        }

        module = null!;
        return false;
    }

    /// <summary>
    /// Evicted modules are not disposed here: an invocation may still be instantiating one.
    /// The module's native handle is released by its finalizer once nothing references it.
    /// </summary>
    public void Add(CompiledModule module)
    {
        lock (_lock)
        {
            if (_entries.ContainsKey(module.Sha256)) return;
            _entries[module.Sha256] = _order.AddFirst(module);
            _bytes += module.ArtifactBytes;
            while (_order.Count > 1 && (_order.Count > maxCount || _bytes > maxBytes))
            {
                RemoveNode(_order.Last!);
            }
        }
    }

    public void Remove(string sha256)
    {
        lock (_lock)
        {
            if (_entries.TryGetValue(sha256, out var node)) RemoveNode(node);
        }
    }

    private void RemoveNode(LinkedListNode<CompiledModule> node)
    {
        _order.Remove(node);
        _entries.Remove(node.Value.Sha256);
        _bytes -= node.Value.ArtifactBytes;
    }
}
