using System.Formats.Tar;
using System.IO.Compression;
using System.Text;

namespace Platform.Runtime.Files;

/// <summary>
/// Reads a <c>.tar</c> or <c>.tar.gz</c> (gzip told by its magic bytes) into an
/// <see cref="AssetBundle"/>, streaming, and refuses while it reads: absolute paths, <c>..</c>,
/// empty names, over-long paths, every link (symbolic or hard: a link is refused rather than
/// resolved, so nothing can point out of the tree or count its bytes twice), devices, fifos and
/// other entry types, duplicates, more entries than the limit, more content bytes than the limit
/// (checked against each header's size before its data is read, so a bomb stops there), and
/// truncated or malformed archives. Also writes the one canonical archive of a bundle that is
/// stored, hashed and shipped to workers.
/// </summary>
public static class AssetArchive
{
    private const int BlockBytes = 512;

    /// <summary>What the headers of one entry may take (a GNU long-name entry, the header, padding).</summary>
    private const int HeaderBytesPerEntry = 8 * BlockBytes;

    private static readonly DateTimeOffset CanonicalTime = DateTimeOffset.UnixEpoch;

    public static async Task<AssetBundle> ReadAsync(Stream archive, AssetLimits limits, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(archive);
        ArgumentNullException.ThrowIfNull(limits);
        var magic = new byte[2];
        var magicLength = await archive.ReadAtLeastAsync(magic, magic.Length, throwOnEndOfStream: false, cancellationToken);
        if (magicLength == 0)
            throw Invalid("the archive is empty");
        Stream source = new PrefixedStream(magic.AsMemory(0, magicLength), archive);
        var gzip = magicLength == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
        if (gzip)
            source = new GZipStream(source, CompressionMode.Decompress, leaveOpen: true);
        var budget = limits.MaxBytes + ((long)limits.MaxFiles + 2) * HeaderBytesPerEntry;
        await using var bounded = new BoundedReadStream(source, budget);
        var builder = new Builder(limits);
        try
        {
            await using var reader = new TarReader(bounded, leaveOpen: true);
            while (await reader.GetNextEntryAsync(copyData: false, cancellationToken) is { } entry)
                await builder.AddAsync(entry, cancellationToken);
        }
        catch (Exception ex) when (ex is InvalidDataException or EndOfStreamException or FormatException or ArgumentException or OverflowException)
        {
            throw Invalid($"the archive is not a valid {(gzip ? "gzip-compressed tar" : "tar")} file: {ex.Message}", ex);
        }
        finally
        {
            if (gzip)
                await source.DisposeAsync();
        }

        return builder.Build();
    }

    /// <summary>
    /// The canonical tar of a bundle: entries sorted by path (ordinal), directories before their
    /// contents, owner 0, times at the epoch, modes 0755/0644. Equal bundles give equal bytes, so
    /// the SHA-256 of this archive addresses the content.
    /// </summary>
    public static byte[] Pack(AssetBundle bundle)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        using var output = new MemoryStream();
        using (var writer = new TarWriter(output, TarEntryFormat.Gnu, leaveOpen: true))
        {
            var paths = bundle.Directories.Concat(bundle.Files.Keys).Order(StringComparer.Ordinal);
            foreach (var path in paths)
            {
                var isFile = bundle.Files.TryGetValue(path, out var content);
                var entry = new GnuTarEntry(isFile ? TarEntryType.RegularFile : TarEntryType.Directory, isFile ? path : path + "/")
                {
                    Mode = isFile
                        ? UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead
                        : UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute,
                    ModificationTime = CanonicalTime,
                    AccessTime = CanonicalTime,
                    ChangeTime = CanonicalTime,
                };
                if (isFile)
                    entry.DataStream = new MemoryStream(content.ToArray(), writable: false);
                writer.WriteEntry(entry);
            }
        }

        return output.ToArray();
    }

    private static AssetArchiveException Invalid(string message, Exception? inner = null) => new(AssetRefusal.Invalid, message, inner);

    /// <summary>Collects entries, checking each one as it arrives.</summary>
    private sealed class Builder(AssetLimits limits)
    {
        private readonly Dictionary<string, ReadOnlyMemory<byte>> _files = new(StringComparer.Ordinal);
        private readonly HashSet<string> _directories = new(StringComparer.Ordinal);
        private readonly HashSet<string> _declaredDirectories = new(StringComparer.Ordinal);
        private long _bytes;
        private int _entries;

        public async Task AddAsync(TarEntry entry, CancellationToken cancellationToken)
        {
            if (++_entries > limits.MaxFiles)
                throw new AssetArchiveException(AssetRefusal.TooManyFiles, $"the archive has more than {limits.MaxFiles} entries");
            var path = Normalize(entry.Name);
            switch (entry.EntryType)
            {
                case TarEntryType.Directory:
                    if (path is not null)
                        AddDirectory(path);
                    break;
                case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                    if (path is null)
                        throw Invalid($"'{Shown(entry.Name)}': a file cannot be the root directory");
                    ClaimFile(path);
                    _files[path] = await ReadContentAsync(entry, path, cancellationToken);
                    break;
                case TarEntryType.SymbolicLink or TarEntryType.HardLink:
                    throw Invalid($"'{Shown(entry.Name)}' is a link to '{Shown(entry.LinkName)}': links are not accepted in assets (copy the file instead)");
                default:
                    throw Invalid($"'{Shown(entry.Name)}' is a {entry.EntryType} entry: only regular files and directories are accepted");
            }
        }

        public AssetBundle Build() => new(_files, _declaredDirectories);

        private async Task<ReadOnlyMemory<byte>> ReadContentAsync(TarEntry entry, string path, CancellationToken cancellationToken)
        {
            var length = entry.Length;
            if (length < 0 || length > limits.MaxBytes - _bytes)
                throw new AssetArchiveException(AssetRefusal.TooManyBytes, $"'{Shown(path)}' ({length} bytes) takes the assets past {limits.MaxBytes} bytes");
            _bytes += length;
            if (length == 0)
                return ReadOnlyMemory<byte>.Empty;
            var content = new byte[length];
            var data = entry.DataStream ?? throw Invalid($"'{Shown(path)}' declares {length} bytes but has no data");
            var read = await data.ReadAtLeastAsync(content, content.Length, throwOnEndOfStream: false, cancellationToken);
            if (read < length)
                throw Invalid($"the archive is truncated inside '{Shown(path)}' ({read} of {length} bytes)");
            return content;
        }

        private void ClaimFile(string path)
        {
            if (_files.ContainsKey(path) || _directories.Contains(path))
                throw Invalid($"'{Shown(path)}' appears twice in the archive");
            ClaimParents(path);
        }

        private void AddDirectory(string path)
        {
            if (_files.ContainsKey(path) || !_declaredDirectories.Add(path))
                throw Invalid($"'{Shown(path)}' appears twice in the archive");
            _directories.Add(path);
            ClaimParents(path);
        }

        private void ClaimParents(string path)
        {
            for (var slash = path.LastIndexOf('/'); slash > 0; slash = path.LastIndexOf('/', slash - 1))
            {
                var parent = path[..slash];
                if (_files.ContainsKey(parent))
                    throw Invalid($"'{Shown(path)}' lies below '{Shown(parent)}', which is a file");
                if (!_directories.Add(parent))
                    break;
            }
        }
    }

    /// <summary>The entry's path relative to the bundle's root; null for the root itself (<c>./</c>).</summary>
    private static string? Normalize(string name)
    {
        if (name.Length == 0)
            throw Invalid("an entry has an empty name");
        if (name.Contains('\0', StringComparison.Ordinal) || name.Contains('\\', StringComparison.Ordinal) || name.Any(char.IsControl))
            throw Invalid($"'{Shown(name)}' contains a control character or a backslash");
        if (name[0] == '/')
            throw Invalid($"'{Shown(name)}' is an absolute path: paths must be relative to the bundle's root");
        var path = name.TrimEnd('/');
        while (path.StartsWith("./", StringComparison.Ordinal))
            path = path[2..];
        if (path is "" or ".")
            return null;
        if (Encoding.UTF8.GetByteCount(path) > AssetLimits.MaxPathBytes)
            throw Invalid($"'{Shown(name)}' is longer than {AssetLimits.MaxPathBytes} bytes");
        foreach (var segment in path.Split('/'))
        {
            if (segment == "..")
                throw Invalid($"'{Shown(name)}' has a '..' segment: paths must stay inside the bundle");
            if (segment is "" or ".")
                throw Invalid($"'{Shown(name)}' has an empty or '.' segment");
            if (Encoding.UTF8.GetByteCount(segment) > AssetLimits.MaxSegmentBytes)
                throw Invalid($"'{Shown(name)}' has a name longer than {AssetLimits.MaxSegmentBytes} bytes");
        }

        return path;
    }

    private static string Shown(string? value)
    {
        value ??= "";
        var printable = new string(value.Take(128).Select(c => char.IsControl(c) ? '?' : c).ToArray());
        return value.Length > 128 ? printable + "..." : printable;
    }
}
