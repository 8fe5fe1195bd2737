using System.Runtime.CompilerServices;
using Platform.Runtime.Wasi;

namespace Platform.Runtime.Files;

/// <summary>
/// A tree held in memory: an asset bundle (read-only, built once per bundle and shared by every
/// invocation of it, so never changed) or one invocation's scratch (writable within a
/// <see cref="ScratchBudget"/>, dropped with the invocation). Times start at 0 (the epoch) so
/// that a replay sees what the recording saw.
/// </summary>
internal sealed class MemoryTree
{
    private static readonly ConditionalWeakTable<AssetBundle, MemoryDirectory> BundleRoots = new();
    private static long _nextDevice;
    private ulong _nextInode;

    private MemoryTree(ScratchBudget? budget)
    {
        Budget = budget;
        Device = (ulong)Interlocked.Increment(ref _nextDevice);
    }

    public ulong Device { get; }

    /// <summary>Null for a read-only tree.</summary>
    public ScratchBudget? Budget { get; }

    public ulong NextInode() => ++_nextInode;

    public static MemoryDirectory Scratch(long maxBytes) => new MemoryTree(new ScratchBudget(maxBytes)).NewDirectory();

    public static MemoryDirectory ForBundle(AssetBundle bundle) => BundleRoots.GetValue(bundle, Build);

    public MemoryDirectory NewDirectory() => new(this);

    private static MemoryDirectory Build(AssetBundle bundle)
    {
        var root = new MemoryTree(null).NewDirectory();
        foreach (var directory in bundle.Directories.OrderBy(path => path.Length))
        {
            var (parent, name) = Walk(root, directory);
            parent.Attach(name, root.Tree.NewDirectory());
        }

        foreach (var (path, content) in bundle.Files)
        {
            var (parent, name) = Walk(root, path);
            parent.Attach(name, new MemoryFile(root.Tree, content));
        }

        return root;
    }

    private static (MemoryDirectory Parent, string Name) Walk(MemoryDirectory root, string path)
    {
        var segments = path.Split('/');
        var directory = root;
        foreach (var segment in segments[..^1]) directory = (MemoryDirectory)directory.Find(segment)!;
        return (directory, segments[^1]);
    }
}

internal sealed class MemoryDirectory(MemoryTree tree) : FsDirectory
{
    private readonly SortedDictionary<string, FsNode> _entries = new(StringComparer.Ordinal);
    private readonly ulong _inode = tree.NextInode();
    private ulong _accessTime;
    private ulong _modifyTime;

    public MemoryTree Tree { get; } = tree;

    /// <summary>The directory holding this one (null for the root): a rename checks it is not moving a directory into itself.</summary>
    public MemoryDirectory? Parent { get; private set; }

    public override bool Writable => Tree.Budget is not null;

    public override NodeStat Stat() => new(Tree.Device, _inode, NodeKind.Directory, 1, 0, _accessTime, _modifyTime, _modifyTime);

    public override int SetTimes(ulong? accessTime, ulong? modifyTime)
    {
        if (!Writable) return Errno.Rofs;
        _accessTime = accessTime ?? _accessTime;
        _modifyTime = modifyTime ?? _modifyTime;
        return Errno.Success;
    }

    public override FsNode? Find(string name) => _entries.GetValueOrDefault(name);

    public override IReadOnlyList<string> Names() => [.. _entries.Keys];

    public override bool IsEmpty => _entries.Count == 0;

    public void Attach(string name, FsNode node)
    {
        _entries[name] = node;
        if (node is MemoryDirectory directory) directory.Parent = this;
    }

    public override int CreateFile(string name) => Add(name, new MemoryFile(Tree, ReadOnlyMemory<byte>.Empty), 0);

    public override int CreateDirectory(string name) => Add(name, Tree.NewDirectory(), 0);

    public override int CreateSymlink(string name, string target) =>
        Add(name, new MemorySymlink(Tree, target), System.Text.Encoding.UTF8.GetByteCount(target));

    public override int Link(string name, FsNode node)
    {
        var tree = node switch { MemoryFile file => file.Tree, MemorySymlink link => link.Tree, _ => null };
        if (tree != Tree) return Errno.Xdev;
        var errno = Add(name, node, 0);
        if (errno == Errno.Success && node is MemoryFile memoryFile) memoryFile.Links++;
        return errno;
    }

    public override int Remove(string name)
    {
        if (!Writable) return Errno.Rofs;
        if (!_entries.Remove(name, out var node)) return Errno.Noent;
        Tree.Budget!.Give(ScratchBudget.ForEntry(name));
        switch (node)
        {
            case MemoryFile file when --file.Links == 0:
                Tree.Budget.Give(file.Size);
                break;
            case MemorySymlink link:
                Tree.Budget.Give(System.Text.Encoding.UTF8.GetByteCount(link.Target));
                break;
        }

        return Errno.Success;
    }

    public override int Rename(string name, FsDirectory destination, string newName)
    {
        if (!Writable) return Errno.Rofs;
        if (destination is not MemoryDirectory target || target.Tree != Tree) return Errno.Xdev;
        if (!_entries.TryGetValue(name, out var node)) return Errno.Noent;
        if (ReferenceEquals(this, target) && name == newName) return Errno.Success;
        if (target.Find(newName) is not null)
        {
            var errno = target.Remove(newName);
            if (errno != Errno.Success) return errno;
        }

        if (!Tree.Budget!.TryTake(ScratchBudget.ForEntry(newName))) return Errno.Nospc;
        _entries.Remove(name);
        Tree.Budget.Give(ScratchBudget.ForEntry(name));
        target.Attach(newName, node);
        return Errno.Success;
    }

    public override bool SameTree(FsDirectory other) => other is MemoryDirectory directory && directory.Tree == Tree;

    private int Add(string name, FsNode node, long extraBytes)
    {
        if (!Writable) return Errno.Rofs;
        if (_entries.ContainsKey(name)) return Errno.Exist;
        if (!Tree.Budget!.TryTake(ScratchBudget.ForEntry(name) + extraBytes)) return Errno.Nospc;
        Attach(name, node);
        return Errno.Success;
    }
}

internal sealed class MemoryFile : FsFile
{
    private readonly ulong _inode;
    private ReadOnlyMemory<byte> _shared;
    private byte[]? _own;
    private long _length;
    private ulong _accessTime;
    private ulong _modifyTime;

    public MemoryFile(MemoryTree tree, ReadOnlyMemory<byte> content)
    {
        Tree = tree;
        _inode = tree.NextInode();
        _shared = content;
        _length = content.Length;
    }

    public MemoryTree Tree { get; }

    public ulong Links { get; set; } = 1;

    public override bool Writable => Tree.Budget is not null;

    public override long Size => _length;

    private ReadOnlySpan<byte> Content => _own is null ? _shared.Span : _own.AsSpan(0, (int)_length);

    public override NodeStat Stat() => new(Tree.Device, _inode, NodeKind.RegularFile, Links, (ulong)_length, _accessTime, _modifyTime, _modifyTime);

    public override int SetTimes(ulong? accessTime, ulong? modifyTime)
    {
        if (!Writable) return Errno.Rofs;
        _accessTime = accessTime ?? _accessTime;
        _modifyTime = modifyTime ?? _modifyTime;
        return Errno.Success;
    }

    public override int Read(long offset, Span<byte> destination)
    {
        if (offset >= _length) return 0;
        var count = (int)Math.Min(destination.Length, _length - offset);
        Content.Slice((int)offset, count).CopyTo(destination);
        return count;
    }

    public override int Write(long offset, ReadOnlySpan<byte> source)
    {
        if (!Writable) return Errno.Rofs;
        if (offset > Array.MaxLength - source.Length) return Errno.Fbig;
        var end = offset + source.Length;
        var errno = SetSize(Math.Max(end, _length));
        if (errno != Errno.Success) return errno;
        source.CopyTo(_own.AsSpan((int)offset));
        return Errno.Success;
    }

    public override int SetSize(long size)
    {
        if (!Writable) return Errno.Rofs;
        if (size > Array.MaxLength) return Errno.Fbig;
        if (size > _length && !Tree.Budget!.TryTake(size - _length)) return Errno.Nospc;
        if (size < _length) Tree.Budget!.Give(_length - size);
        if (size == _length && _own is not null) return Errno.Success;
        if (_own is null || _own.Length < size)
        {
            var grown = new byte[Math.Min(Math.Max(size, (_own?.Length ?? 0) * 2L), Array.MaxLength)];
            Content[..(int)Math.Min(_length, size)].CopyTo(grown);
            _own = grown;
            _shared = default;
        }
        else if (size > _length)
        {
            _own.AsSpan((int)_length, (int)(size - _length)).Clear();
        }

        _length = size;
        return Errno.Success;
    }
}

internal sealed class MemorySymlink(MemoryTree tree, string target) : FsSymlink
{
    public MemoryTree Tree => tree;

    private readonly ulong _inode = tree.NextInode();
    private ulong _accessTime;
    private ulong _modifyTime;

    public override string Target { get; } = target;

    public override NodeStat Stat() => new(tree.Device, _inode, NodeKind.Symlink, 1, (ulong)System.Text.Encoding.UTF8.GetByteCount(Target), _accessTime, _modifyTime, _modifyTime);

    public override int SetTimes(ulong? accessTime, ulong? modifyTime)
    {
        if (tree.Budget is null) return Errno.Rofs;
        _accessTime = accessTime ?? _accessTime;
        _modifyTime = modifyTime ?? _modifyTime;
        return Errno.Success;
    }
}
