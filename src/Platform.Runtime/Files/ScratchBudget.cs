namespace Platform.Runtime.Files;

/// <summary>
/// The bytes one invocation's scratch tree may hold: file contents, symlink targets, and
/// <see cref="EntryCost"/> per directory entry (so empty files and directories are not free).
/// </summary>
internal sealed class ScratchBudget(long maxBytes)
{
    /// <summary>What one name in a directory costs besides its UTF-8 length.</summary>
    public const int EntryCost = 64;

    public long MaxBytes { get; } = maxBytes;

    public long UsedBytes { get; private set; }

    public bool TryTake(long bytes)
    {
        if (bytes > MaxBytes - UsedBytes) return false;
        UsedBytes += bytes;
        return true;
    }

    public void Give(long bytes) => UsedBytes = Math.Max(0, UsedBytes - bytes);

    public static long ForEntry(string name) => EntryCost + System.Text.Encoding.UTF8.GetByteCount(name);
}
