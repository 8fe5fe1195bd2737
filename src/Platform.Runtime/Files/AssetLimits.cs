namespace Platform.Runtime.Files;

/// <summary>
/// Bounds an asset archive is read under. <see cref="MaxBytes"/> counts file contents after
/// decompression; <see cref="MaxFiles"/> counts files and directories.
/// </summary>
public sealed record AssetLimits(long MaxBytes, int MaxFiles)
{
    /// <summary>Bytes of one path (UTF-8), as Linux's PATH_MAX less the mount point.</summary>
    public const int MaxPathBytes = 1024;

    /// <summary>Bytes of one path segment, as NAME_MAX.</summary>
    public const int MaxSegmentBytes = 255;

    /// <summary>
    /// For an archive whose SHA-256 was already checked against one the control plane validated:
    /// the platform's hard bounds rather than a tenant's quotas.
    /// </summary>
    public static AssetLimits Trusted { get; } = new(1L << 30, 1_000_000);
}
