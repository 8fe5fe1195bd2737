using System.Globalization;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using ErrorInfo = Google.Rpc.ErrorInfo;
using Grpc.Core;
using Microsoft.AspNetCore.Http;

namespace Platform.Hosting;

/// <summary>
/// Answers a gRPC call from middleware, before its service runs: a trailers-only response
/// (HTTP 200, <c>grpc-status</c> in the headers, no message) whose rich status carries a
/// <c>google.rpc.ErrorInfo</c> (domain "platform", reason = the platform code), the shape the
/// services' own errors have. The request body is never read.
/// </summary>
public static class GrpcEdge
{
    public static bool IsGrpc(HttpRequest request) =>
        request.ContentType is { } type && type.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase);

    public static Task WriteStatusAsync(HttpContext http, StatusCode code, string reason, string message)
    {
        var status = new Google.Rpc.Status
        {
            Code = (int)code,
            Message = message,
            Details = { Any.Pack(new ErrorInfo { Reason = reason, Domain = "platform" }) },
        };
        var response = http.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/grpc";
        response.Headers["grpc-status"] = ((int)code).ToString(CultureInfo.InvariantCulture);
        response.Headers["grpc-message"] = Uri.EscapeDataString(message);
        response.Headers["grpc-status-details-bin"] = Convert.ToBase64String(status.ToByteArray()).TrimEnd('=');
        return response.CompleteAsync();
    }
}
