using System.Buffers;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Platform.ControlPlane.Errors;
using Platform.ControlPlane.Functions;
using Platform.ControlPlane.Quotas;

namespace Platform.ControlPlane.Invocation;

/// <summary>
/// Reads an invocation's input from a request body, at most the tenant's <c>maxInputBytes</c>:
/// a declared length past it is refused before reading, a streamed body once it passes it, so no
/// more than the limit (plus one read) is ever held.
/// </summary>
internal static class RequestBody
{
    private const int ChunkBytes = 16 * 1024;

    /// <summary>Declared lengths up to this are allocated at once; larger bodies grow as they arrive.</summary>
    private const int ExactReadMaxBytes = 64 * 1024;

    /// <summary>
    /// The step the REST invoke route and the HTTP trigger share once the function is resolved and
    /// its caller admitted: the body within the tenant's <c>maxInputBytes</c> (a refusal here counts
    /// as the invocation's, with <paramref name="trigger"/>), made into the input, then the invoke
    /// path. <paramref name="started"/> is when the edge received the request.
    /// </summary>
    public static async Task<InvocationReply> ReadAndInvokeAsync(
        HttpContext http,
        InvocationRouter router,
        InvocationTenant tenant,
        ResolvedFunction function,
        EffectiveQuotas quotas,
        InvocationTrigger trigger,
        Func<ReadOnlyMemory<byte>, InvocationInput> input,
        long started)
    {
        var cancellationToken = http.RequestAborted;
        ReadOnlyMemory<byte> body;
        try
        {
            body = await ReadAsync(http, quotas.MaxInputBytes, cancellationToken);
        }
        catch (PlatformException ex)
        {
            router.Refused(tenant, function, trigger, ex.Code, started);
            throw;
        }

        return await router.InvokeAsync(tenant, function, quotas, input(body), cancellationToken, started);
    }

    private static async Task<ReadOnlyMemory<byte>> ReadAsync(HttpContext http, long limit, CancellationToken cancellationToken)
    {
        var declared = http.Request.ContentLength;
        if (declared > limit) throw TooLarge(limit);
        var sizeFeature = http.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (sizeFeature is { IsReadOnly: false }) sizeFeature.MaxRequestBodySize = limit + 1;

        // A small declared body is read straight into an array of its size: no chunk, no stream,
        // no second copy. A large one grows with what arrives, so a declared length alone never
        // makes the server hold memory the client has not sent.
        return declared is { } length and <= ExactReadMaxBytes
            ? await ReadDeclaredAsync(http.Request.Body, (int)length, limit, cancellationToken)
            : await ReadStreamedAsync(http.Request.Body, limit, cancellationToken);
    }

    private static async Task<ReadOnlyMemory<byte>> ReadDeclaredAsync(Stream body, int length, long limit, CancellationToken cancellationToken)
    {
        if (length == 0) return ReadOnlyMemory<byte>.Empty;
        var buffer = new byte[length];
        var filled = 0;
        while (filled < length)
        {
            var read = await body.ReadAsync(buffer.AsMemory(filled), cancellationToken);
            if (read == 0) return buffer.AsMemory(0, filled);
            filled += read;
        }

        // The server holds a body to its Content-Length; a server that does not is read on, within the limit.
        var probe = new byte[1];
        if (await body.ReadAsync(probe, cancellationToken) == 0) return buffer;
        if (length + 1L > limit) throw TooLarge(limit);
        using var rest = new MemoryStream();
        rest.Write(buffer);
        rest.Write(probe);
        await AppendAsync(body, rest, limit, cancellationToken);
        return rest.GetBuffer().AsMemory(0, (int)rest.Length);
    }

    private static async Task<ReadOnlyMemory<byte>> ReadStreamedAsync(Stream body, long limit, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await AppendAsync(body, buffer, limit, cancellationToken);
        return buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
    }

    private static async Task AppendAsync(Stream body, MemoryStream buffer, long limit, CancellationToken cancellationToken)
    {
        var chunk = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        try
        {
            int read;
            while ((read = await body.ReadAsync(chunk.AsMemory(0, ChunkBytes), cancellationToken)) > 0)
            {
                if (buffer.Length + read > limit) throw TooLarge(limit);
                buffer.Write(chunk, 0, read);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    private static PlatformException TooLarge(long limit) =>
        new(ErrorCode.PayloadTooLarge, $"the input is larger than the tenant's limit of {limit} bytes");
}
