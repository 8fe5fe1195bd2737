using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Platform.ControlPlane.Auth;
using Platform.ControlPlane.Errors;
using Platform.Runtime;

namespace Platform.ControlPlane.Invocation;

/// <summary><c>POST /v1/functions/{name}[@version-or-alias]/invoke</c>: the body is the input, the response body the output.</summary>
internal static class InvocationRest
{
    public static void Map(RouteGroupBuilder v1)
    {
        v1.MapPost("/functions/{target}/invoke", InvokeAsync)
            .RequireCaller(CallerRequirement.TenantInvocation)
            .WithTags("Invocation")
            .Produces(StatusCodes.Status200OK, contentType: "application/octet-stream")
            .WithSummary("Invoke a function: name, name@version or name@alias. The body is its stdin, the response its stdout.");
    }

    private static async Task InvokeAsync(string target, HttpContext http, InvocationRouter router, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var caller = InvocationTenant.Of(http.TenantCaller());
        var parsed = InvocationTarget.Parse(target);
        var (function, quotas) = await router.ResolveAsync(caller, parsed, cancellationToken);
        var reply = await RequestBody.ReadAndInvokeAsync(http, router, caller, function, quotas, InvocationTrigger.Invoke, body => new InvocationInput(body), started);
        await WriteAsync(http, reply, cancellationToken);
    }

    private static async Task WriteAsync(HttpContext http, InvocationReply reply, CancellationToken cancellationToken)
    {
        var response = http.Response;
        response.Headers[InvocationHeaders.InvocationId] = reply.InvocationId;
        response.Headers[InvocationHeaders.Outcome] = reply.Code;
        response.Headers[InvocationHeaders.Fuel] = reply.FuelConsumed.ToString(CultureInfo.InvariantCulture);
        response.Headers[InvocationHeaders.Duration] = (reply.DurationUs / 1000.0).ToString("0.###", CultureInfo.InvariantCulture);
        response.Headers[InvocationHeaders.Worker] = reply.Worker;
        response.Headers[InvocationHeaders.Version] = reply.Version.ToString(CultureInfo.InvariantCulture);
        response.Headers.CacheControl = "no-store";
        if (reply.IsOk)
        {
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = "application/octet-stream";
            response.ContentLength = reply.Output.Length;
            await response.Body.WriteAsync(reply.Output, cancellationToken);
            return;
        }

        response.StatusCode = OutcomeStatus.Http(reply.Outcome);
        response.ContentType = ProblemWriter.ContentType;
        var problem = new InvocationProblem(
            $"urn:platform:error:{reply.Code.ToLowerInvariant().Replace('_', '-')}",
            reply.Code,
            response.StatusCode,
            reply.Message ?? reply.Code,
            http.Request.Path.Value,
            reply.Code,
            reply.InvocationId,
            reply.Function,
            reply.Version,
            reply.ExitCode,
            reply.FuelConsumed,
            reply.DurationUs / 1000.0,
            reply.Worker,
            Encoding.UTF8.GetString(reply.Logs),
            reply.LogsTruncated);
        await JsonSerializer.SerializeAsync(response.Body, problem, InvocationProblem.JsonOptions, cancellationToken);
    }
}
