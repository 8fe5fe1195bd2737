using System.Buffers;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;
using Platform.ControlPlane.Assets;
using Platform.ControlPlane.Errors;
using Platform.ControlPlane.Json;
using Platform.ControlPlane.Quotas;

namespace Platform.ControlPlane.Functions;

/// <summary>
/// Reads an uploaded module (raw body, or the <c>module</c> part of a multipart form beside a
/// <c>config</c> part and an <c>assets</c> part) without ever holding more than the tenant's
/// <c>maxModuleBytes</c> of module: a declared Content-Length over the limit is refused before
/// reading, and a chunked body is counted while it streams. The assets part streams into
/// <see cref="AssetUpload"/>, which refuses while it reads.
/// </summary>
internal static class ModuleUpload
{
    public const int MaxConfigBytes = 64 * 1024;

    public static async Task<(byte[] Module, FunctionConfigInput? Config, UploadedAssets? Assets)> ReadAsync(HttpRequest request, EffectiveQuotas quotas, long multipartOverhead, CancellationToken cancellationToken)
    {
        var maxModuleBytes = quotas.MaxModuleBytes;
        try
        {
            return await ReadCoreAsync(request, quotas, multipartOverhead, cancellationToken);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            // Kestrel's per-request limit (the caller middleware's upload allowance) tripped before our own count did.
            throw TooLarge(maxModuleBytes);
        }
    }

    private static async Task<(byte[] Module, FunctionConfigInput? Config, UploadedAssets? Assets)> ReadCoreAsync(HttpRequest request, EffectiveQuotas quotas, long multipartOverhead, CancellationToken cancellationToken)
    {
        var maxModuleBytes = quotas.MaxModuleBytes;
        MediaTypeHeaderValue? mediaType = null;
        if (!string.IsNullOrEmpty(request.ContentType) && !MediaTypeHeaderValue.TryParse(request.ContentType, out mediaType))
            throw PlatformException.InvalidArgument("Content-Type", $"'{request.ContentType}' is not a media type");
        var type = mediaType?.MediaType.Value?.ToLowerInvariant();
        var multipart = type == "multipart/form-data";
        if (!multipart && type is not (null or "application/wasm" or "application/octet-stream" or "text/plain"))
            throw PlatformException.InvalidArgument("Content-Type", "upload the module as application/wasm, text/plain (WAT), or multipart/form-data with 'module', 'config' and 'assets' parts");

        var bodyLimit = maxModuleBytes + (multipart ? multipartOverhead + AssetUpload.ArchiveLimit(quotas) : 0);
        if (request.ContentLength is { } length && length > bodyLimit)
            throw TooLarge(maxModuleBytes);

        if (!multipart)
            return (await ReadBoundedAsync(request.Body, maxModuleBytes, TooLarge, cancellationToken), null, null);

        var boundary = HeaderUtilities.RemoveQuotes(mediaType!.Boundary).Value;
        if (string.IsNullOrEmpty(boundary))
            throw PlatformException.InvalidArgument("Content-Type", "multipart/form-data needs a boundary");
        var reader = new MultipartReader(boundary, request.Body) { HeadersLengthLimit = 16 * 1024, BodyLengthLimit = bodyLimit };
        byte[]? module = null;
        FunctionConfigInput? config = null;
        UploadedAssets? assets = null;
        try
        {
            while (await reader.ReadNextSectionAsync(cancellationToken) is { } section)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition) || !string.Equals(disposition.DispositionType.Value, "form-data", StringComparison.OrdinalIgnoreCase))
                    throw PlatformException.InvalidArgument("module", "every part needs 'Content-Disposition: form-data; name=...'");
                var part = HeaderUtilities.RemoveQuotes(disposition.Name).Value;
                switch (part)
                {
                    case "module" when module is null:
                        module = await ReadBoundedAsync(section.Body, maxModuleBytes, TooLarge, cancellationToken);
                        break;
                    case "config" when config is null:
                        var json = await ReadBoundedAsync(section.Body, MaxConfigBytes, _ => new PlatformException(ErrorCode.PayloadTooLarge, $"the config part is larger than {MaxConfigBytes} bytes", "config"), cancellationToken);
                        config = ApiJson.Parse<FunctionConfigInput>(json, "config")
                            ?? throw PlatformException.InvalidArgument("config", "config must be a JSON object");
                        break;
                    case AssetUpload.Field when assets is null:
                        assets = await AssetUpload.ReadAsync(section.Body, quotas, cancellationToken);
                        break;
                    case "module" or "config" or AssetUpload.Field:
                        throw PlatformException.InvalidArgument(part, $"the '{part}' part appears twice");
                    default:
                        throw PlatformException.InvalidArgument(part ?? "module", $"unknown part '{part}': only 'module', 'config' and 'assets' are accepted");
                }
            }
        }
        catch (InvalidDataException ex)
        {
            throw PlatformException.InvalidArgument("body", $"malformed multipart body: {ex.Message}");
        }

        return (module ?? throw PlatformException.InvalidArgument("module", "the multipart body has no 'module' part"), config, assets);
    }

    /// <summary>Reads a stream to its end, failing as soon as it passes <paramref name="limit"/> bytes.</summary>
    public static async Task<byte[]> ReadBoundedAsync(Stream stream, long limit, Func<long, Exception> tooLarge, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            using var collected = new MemoryStream();
            int read;
            while ((read = await stream.ReadAsync(buffer, cancellationToken)) > 0)
            {
                if (collected.Length + read > limit)
                    throw tooLarge(limit);
                collected.Write(buffer, 0, read);
            }

            return collected.ToArray();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public static PlatformException TooLarge(long maxModuleBytes) =>
        new(ErrorCode.PayloadTooLarge, $"the module is larger than the tenant's maxModuleBytes quota ({maxModuleBytes} bytes)", "module");
}
