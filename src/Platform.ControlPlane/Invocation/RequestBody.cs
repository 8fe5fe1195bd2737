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
