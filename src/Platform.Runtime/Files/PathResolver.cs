using Platform.Runtime.Wasi;

namespace Platform.Runtime.Files;

/// <summary>Where a path led: the directory holding its last name, that name, and the node there (null when there is none).</summary>
/// <param name="Name">The last name; null when the path names <paramref name="Parent"/> itself ("." or a path ending in "..").</param>
/// <param name="MustBeDirectory">The path ended with '/': only a directory (or a new one) matches.</param>
internal readonly record struct ResolvedPath(FsDirectory Parent, string? Name, FsNode? Node, bool MustBeDirectory);

/// <summary>
/// Resolves a guest path inside the directory it is relative to, one name at a time: an absolute
/// path or a ".." above the starting directory is EPERM, symlinks are followed here (never by the
/// host) and may not leave the tree either, more than <see cref="MaxSymlinks"/> of them is ELOOP.
/// </summary>
internal static class PathResolver
{
    /// <summary>Longest path read from guest memory, in bytes (PATH_MAX); longer is ENAMETOOLONG.</summary>
    public const int MaxPathBytes = 4096;

    /// <summary>Longest single name, in bytes (NAME_MAX).</summary>
    public const int MaxNameBytes = 255;

    /// <summary>Symlinks followed in one resolution (Linux's MAXSYMLINKS).</summary>
    public const int MaxSymlinks = 40;

    /// <summary>Decodes a guest path: UTF-8 without NUL.</summary>
    public static int Decode(ReadOnlySpan<byte> bytes, out string path)
    {
        path = "";
        if (bytes.Length > MaxPathBytes) return Errno.Nametoolong;
        if (bytes.Contains((byte)0)) return Errno.Inval;
        try
        {
            path = new System.Text.UTF8Encoding(false, true).GetString(bytes);
            return Errno.Success;
        }
        catch (System.Text.DecoderFallbackException)
        {
            return Errno.Ilseq;
        }
    }

    /// <param name="followLast">Follow a symlink in the last position (lookupflags SYMLINK_FOLLOW); links before it are always followed.</param>
    /// <param name="steps">Names looked up, for the caller to charge.</param>
    public static int Resolve(FsDirectory start, string path, bool followLast, Action checkDeadline, out ResolvedPath resolved, out int steps)
    {
        resolved = default;
        steps = 0;
        if (path.Length == 0) return Errno.Noent;
        var stack = new List<FsDirectory> { start };
        var pending = new Stack<string>();
        var mustBeDirectory = Push(pending, path, out var absolute);
        if (absolute) return Errno.Perm;
        var links = 0;
        while (pending.Count > 0)
        {
            checkDeadline();
            steps++;
            var name = pending.Pop();
            var last = pending.Count == 0;
            var current = stack[^1];
            if (System.Text.Encoding.UTF8.GetByteCount(name) > MaxNameBytes) return Errno.Nametoolong;
            if (name == ".")
            {
                if (last) resolved = new ResolvedPath(current, null, current, mustBeDirectory);
                continue;
            }

            if (name == "..")
            {
                if (stack.Count == 1) return Errno.Perm;
                stack.RemoveAt(stack.Count - 1);
                if (last) resolved = new ResolvedPath(stack[^1], null, stack[^1], mustBeDirectory);
                continue;
            }

            var node = current.Find(name);
            if (node is FsSymlink link && (!last || followLast || mustBeDirectory))
            {
                if (++links > MaxSymlinks) return Errno.Loop;
                var target = link.Target;
                if (target.Length == 0) return Errno.Noent;
                mustBeDirectory |= Push(pending, target, out absolute) && last;
                if (absolute) return Errno.Perm;
                continue;
            }

            if (last)
            {
                resolved = new ResolvedPath(current, name, node, mustBeDirectory);
                return Errno.Success;
            }

            if (node is null) return Errno.Noent;
            if (node is not FsDirectory directory) return Errno.Notdir;
            stack.Add(directory);
        }

        return Errno.Success;
    }

    /// <summary>Pushes a path's names so that the first pops first; true when it ends with '/'.</summary>
    private static bool Push(Stack<string> pending, string path, out bool absolute)
    {
        absolute = path.StartsWith('/');
        var names = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var trailingSlash = path.EndsWith('/') && names.Length > 0;
        for (var i = names.Length - 1; i >= 0; i--) pending.Push(names[i]);
        if (names.Length == 0) pending.Push(".");
        return trailingSlash;
    }
}
