using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Platform.ControlPlane;

/// <summary>
/// The control plane's Kestrel listeners: public REST, public gRPC, and the internal cluster
/// listener the workers dial. Once the host has started, <see cref="RestUri"/>,
/// <see cref="GrpcUri"/> and <see cref="ClusterUri"/> give the bound addresses (with the real port
/// when port 0 was asked).
/// </summary>
public sealed class ControlPlaneListeners
{
    internal const string ConnectionItemKey = "platform.listener";
    internal const string Rest = "rest";
    internal const string Grpc = "grpc";
    internal const string Cluster = "cluster";

    internal ListenOptions? RestListen { get; set; }

    internal ListenOptions? GrpcListen { get; set; }

    internal ListenOptions? ClusterListen { get; set; }

    internal string RestHost { get; set; } = "127.0.0.1";

    internal string GrpcHost { get; set; } = "127.0.0.1";

    internal string ClusterHost { get; set; } = "127.0.0.1";

    public Uri RestUri => Describe(RestListen, RestHost);

    public Uri GrpcUri => Describe(GrpcListen, GrpcHost);

    /// <summary>The internal gRPC listener of <c>platform.v1.ClusterService</c> (<c>Platform:ClusterUrl</c>).</summary>
    public Uri ClusterUri => Describe(ClusterListen, ClusterHost);

    private static Uri Describe(ListenOptions? listen, string host)
    {
        if (listen?.EndPoint is not IPEndPoint endpoint)
            throw new InvalidOperationException("the control plane's listeners are not bound yet");
        var shownHost = host is "0.0.0.0" or "[::]" or "*" or "+" ? "127.0.0.1" : host;
        return new Uri($"http://{shownHost}:{endpoint.Port}");
    }
}
