using System.Security.Cryptography;
using Platform.ControlPlane.Errors;
using Platform.ControlPlane.Quotas;
using Platform.Runtime.Files;

namespace Platform.ControlPlane.Assets;

/// <summary>
/// Reads the <c>assets</c> part of an upload (REST multipart or gRPC chunks) through
/// <see cref="AssetArchive"/> under the tenant's <c>maxAssetBytes</c> and <c>maxAssetFiles</c>,
/// refusing while it reads: a malformed or hostile archive is INVALID_ARGUMENT (field
/// <c>assets</c>), contents past the byte quota PAYLOAD_TOO_LARGE, more entries than the file
/// quota QUOTA_EXCEEDED (field <c>maxAssetFiles</c>).
/// </summary>
internal static class AssetUpload
{
    public const string Field = "assets";

    /// <summary>What one entry's headers and padding may add to an archive beyond its contents.</summary>
    private const int ArchiveBytesPerEntry = 2048;

    /// <summary>The most bytes an archive within the tenant's asset quotas can take on the wire (uncompressed, the worst case).</summary>
    public static long ArchiveLimit(EffectiveQuotas quotas)
    {
        ArgumentNullException.ThrowIfNull(quotas);
        return quotas.MaxAssetBytes + ((long)quotas.MaxAssetFiles + 2) * ArchiveBytesPerEntry;
    }

    public static async Task<UploadedAssets> ReadAsync(Stream archive, EffectiveQuotas quotas, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(quotas);
        AssetBundle bundle;
        try
        {
            bundle = await AssetArchive.ReadAsync(archive, new AssetLimits(quotas.MaxAssetBytes, quotas.MaxAssetFiles), cancellationToken);
        }
        catch (AssetArchiveException ex)
        {
            throw ex.Reason switch
            {
                AssetRefusal.TooManyBytes => TooLarge(quotas, ex.Message),
                AssetRefusal.TooManyFiles => new PlatformException(ErrorCode.QuotaExceeded, $"{ex.Message}; the tenant's maxAssetFiles quota is {quotas.MaxAssetFiles}", "maxAssetFiles"),
                _ => PlatformException.InvalidArgument(Field, $"the asset archive is refused: {ex.Message}"),
            };
        }

        var canonical = AssetArchive.Pack(bundle);
        return new UploadedAssets(Convert.ToHexStringLower(SHA256.HashData(canonical)), canonical, bundle.TotalBytes, bundle.Files.Count);
    }

    public static PlatformException TooLarge(EffectiveQuotas quotas, string? detail = null) =>
        new(ErrorCode.PayloadTooLarge, $"the assets are larger than the tenant's maxAssetBytes quota ({quotas.MaxAssetBytes} bytes){(detail is null ? "" : ": " + detail)}", Field);
}
