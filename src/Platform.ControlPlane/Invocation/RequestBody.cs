using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Platform.ControlPlane.Errors;

namespace Platform.ControlPlane.Invocation;

/// <summary>
/// Reads an invocation's input from a request body, at most the tenant's <c>maxInputBytes</c>:
/// a declared length past it is refused before reading, a streamed body once it passes it, so no
/// more than the limit (plus one read) is ever held.
/// </summary>
internal static class RequestBody
{
    private const int ChunkBytes = 16 * 1024;

    public static async Task<ReadOnlyMemory<byte>> ReadAsync(HttpContext http, long limit, CancellationToken cancellationToken)
    {
        if (http.Request.ContentLength > limit) throw TooLarge(limit);
        var sizeFeature = http.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (sizeFeature is { IsReadOnly: false }) sizeFeature.MaxRequestBodySize = limit + 1;

        using var buffer = new MemoryStream();
        var chunk = new byte[ChunkBytes];
        int read;
        while ((read = await http.Request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > limit) throw TooLarge(limit);
            buffer.Write(chunk, 0, read);
        }

        return buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
    }

    private static PlatformException TooLarge(long limit) =>
        new(ErrorCode.PayloadTooLarge, $"the input is larger than the tenant's limit of {limit} bytes");
}
