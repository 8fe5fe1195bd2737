using System.Security.Cryptography;
using System.Text;
using Grpc.Core;
using Microsoft.AspNetCore.Http;

namespace Platform.Hosting;

/// <summary>Endpoint metadata: an internal endpoint whose callers must present the cluster token.</summary>
public sealed class ClusterTokenRequired
{
    public static ClusterTokenRequired Instance { get; } = new();
}

/// <summary>
/// Checks the cluster token (<c>x-platform-cluster-token</c>) of every call to an endpoint marked
/// <see cref="ClusterTokenRequired"/> from its headers, before the service reads a byte of the
/// body: a call without it is UNAUTHENTICATED (trailers-only). The comparison is constant-time
/// over SHA-256 digests, so neither content nor length leaks.
/// </summary>
public sealed class ClusterTokenGate(RequestDelegate next, string token)
{
    public const string Header = "x-platform-cluster-token";

    private readonly byte[] _expected = SHA256.HashData(Encoding.UTF8.GetBytes(token));

    public Task InvokeAsync(HttpContext http)
    {
        if (http.GetEndpoint()?.Metadata.GetMetadata<ClusterTokenRequired>() is null)
            return next(http);
        var presented = http.Request.Headers[Header].ToString();
        if (presented.Length == 0)
            return Refuse(http, $"the cluster token ({Header}) is missing");
        if (!CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(presented)), _expected))
            return Refuse(http, "the cluster token is wrong");
        return next(http);
    }

    private static Task Refuse(HttpContext http, string message) =>
        GrpcEdge.WriteStatusAsync(http, StatusCode.Unauthenticated, "UNAUTHENTICATED", message);
}
