using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Platform.ControlPlane.Database;

namespace Platform.ControlPlane.Errors;

/// <summary>
/// The REST edge's error boundary: every failure becomes a problem document. Platform errors keep
/// their code; an oversize body is PAYLOAD_TOO_LARGE; an unreachable database UNAVAILABLE; anything
/// else a 500 without internals (logged with its trace id). Unmatched routes get a NOT_FOUND problem.
/// </summary>
internal sealed partial class ProblemMiddleware(RequestDelegate next, ILogger<ProblemMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext http)
    {
        try
        {
            await next(http);
            if (!http.Response.HasStarted && http.Response.ContentLength is null && http.Response.ContentType is null)
            {
                if (http.Response.StatusCode == StatusCodes.Status404NotFound)
                    await ProblemWriter.WriteAsync(http, ErrorCode.NotFound, "no such route");
                else if (http.Response.StatusCode == StatusCodes.Status405MethodNotAllowed)
                    await ProblemWriter.WriteAsync(http, ErrorCode.InvalidArgument, $"method {http.Request.Method} is not allowed on this route", status: StatusCodes.Status405MethodNotAllowed);
            }
        }
        catch (PlatformException ex) when (!http.Response.HasStarted)
        {
            await ProblemWriter.WriteAsync(http, ex.Code, ex.Message, ex.Field, retryAfter: ex.RetryAfter);
        }
        catch (BadHttpRequestException ex) when (!http.Response.HasStarted)
        {
            if (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
                await ProblemWriter.WriteAsync(http, ErrorCode.PayloadTooLarge, "the request body is larger than this route accepts");
            else
                await ProblemWriter.WriteAsync(http, ErrorCode.InvalidArgument, ex.Message);
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            // The client went away; nobody is left to answer.
        }
        catch (Exception ex) when (DbErrors.IsUnavailable(ex) && !http.Response.HasStarted)
        {
            LogDatabaseUnavailable(logger, http.Request.Method, http.Request.Path, ex);
            await ProblemWriter.WriteAsync(http, ErrorCode.Unavailable, "the platform's database is unavailable; retry later");
        }
        catch (Exception ex) when (!http.Response.HasStarted)
        {
            LogUnhandled(logger, http.Request.Method, http.Request.Path, ex);
            await ProblemWriter.WriteAsync(http, ErrorCode.Internal, "an internal error occurred; the trace id identifies it in the logs");
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Database unavailable while serving {Method} {Path}")]
    private static partial void LogDatabaseUnavailable(ILogger logger, string method, PathString path, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled error serving {Method} {Path}")]
    private static partial void LogUnhandled(ILogger logger, string method, PathString path, Exception exception);
}
