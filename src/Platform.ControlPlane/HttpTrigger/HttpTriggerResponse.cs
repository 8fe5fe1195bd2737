using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Platform.ControlPlane.Errors;
using Platform.ControlPlane.Invocation;
using Platform.Runtime;

namespace Platform.ControlPlane.HttpTrigger;

/// <summary>
/// The answer to an HTTP request a function ran for: its CGI response, or a short problem document
/// (no logs: this surface may be public) when it failed (TIMEOUT 504, any other outcome 500) or
/// wrote something that is not a CGI response (502 <c>INVALID_RESPONSE</c>).
/// </summary>
internal static class HttpTriggerResponse
{
    public const string InvalidResponseCode = "INVALID_RESPONSE";

    public static async Task WriteAsync(HttpContext http, InvocationReply reply, bool sharedOrigin, CancellationToken cancellationToken)
    {
        if (!reply.IsOk)
        {
            var status = reply.Outcome == Outcome.Timeout ? StatusCodes.Status504GatewayTimeout : StatusCodes.Status500InternalServerError;
            await WriteProblemAsync(http, status, reply.Code, $"the function failed: {reply.Code}", reply.InvocationId, cancellationToken);
            return;
        }

        if (!CgiResponse.TryParse(reply.Output, sharedOrigin, out var cgi, out var error))
        {
            await WriteProblemAsync(http, StatusCodes.Status502BadGateway, InvalidResponseCode, $"the function's output is not a CGI response: {error}", reply.InvocationId, cancellationToken);
            return;
        }

        var response = http.Response;
        response.StatusCode = cgi!.Status;
        if (cgi.Reason is { } reason && http.Features.Get<IHttpResponseFeature>() is { } feature)
            feature.ReasonPhrase = reason;
        foreach (var (name, value) in cgi.Headers)
            response.Headers.Append(name, value);
        if (!cgi.HasBody)
            return;
        response.ContentLength = cgi.Body.Length;
        await response.Body.WriteAsync(cgi.Body, cancellationToken);
    }

    private static async Task WriteProblemAsync(HttpContext http, int status, string code, string detail, string invocationId, CancellationToken cancellationToken)
    {
        var response = http.Response;
        response.StatusCode = status;
        response.ContentType = ProblemWriter.ContentType;
        response.Headers.CacheControl = "no-store";
        var problem = new HttpTriggerProblem(
            $"urn:platform:error:{code.ToLowerInvariant().Replace('_', '-')}",
            code,
            status,
            detail,
            http.Request.Path.Value,
            code,
            invocationId);
        await JsonSerializer.SerializeAsync(response.Body, problem, InvocationProblem.JsonOptions, cancellationToken);
    }
}

/// <summary>RFC 9457 with the platform's <c>code</c> and the invocation id; nothing of the function's own.</summary>
internal sealed record HttpTriggerProblem(string Type, string Title, int Status, string Detail, string? Instance, string Code, string InvocationId);
