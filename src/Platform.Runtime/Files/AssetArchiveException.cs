namespace Platform.Runtime.Files;

/// <summary>Why an asset archive was refused.</summary>
public enum AssetRefusal
{
    /// <summary>Malformed, truncated, or an entry the platform does not take (path, type, duplicate).</summary>
    Invalid,

    /// <summary>The decompressed file contents pass <see cref="AssetLimits.MaxBytes"/>.</summary>
    TooManyBytes,

    /// <summary>More entries than <see cref="AssetLimits.MaxFiles"/>.</summary>
    TooManyFiles,
}

/// <summary>An asset archive refused while it was read; the message names the entry at fault.</summary>
public sealed class AssetArchiveException : Exception
{
    public AssetArchiveException(AssetRefusal reason, string message, Exception? inner = null)
        : base(message, inner) => Reason = reason;

    public AssetArchiveException()
    {
    }

    public AssetArchiveException(string message)
        : base(message)
    {
    }

    public AssetArchiveException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public AssetRefusal Reason { get; }
}
