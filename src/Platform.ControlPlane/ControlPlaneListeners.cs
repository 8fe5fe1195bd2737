using Platform.Hosting.Listeners;

namespace Platform.ControlPlane;

/// <summary>
/// The control plane's Kestrel listeners: public REST, public gRPC, and the internal cluster
/// listener the workers dial. Once the host has started, <see cref="RestUri"/>,
/// <see cref="GrpcUri"/> and <see cref="ClusterUri"/> give the bound addresses (with the real port
/// when port 0 was asked).
/// </summary>
public sealed class ControlPlaneListeners
{
    internal Listener? Rest { get; set; }

    internal Listener? Grpc { get; set; }

    internal Listener? Cluster { get; set; }

    public Uri RestUri => Bound(Rest).Uri;

    public Uri GrpcUri => Bound(Grpc).Uri;

    /// <summary>The internal gRPC listener of <c>platform.v1.ClusterService</c> (<c>Platform:ClusterUrl</c>).</summary>
    public Uri ClusterUri => Bound(Cluster).Uri;

    private static Listener Bound(Listener? listener) =>
        listener ?? throw new InvalidOperationException("the control plane's listeners are not bound yet");
}
