namespace Platform.Worker;

/// <summary>Names shared by both ends of the internal cluster API (proto/platform/v1/cluster.proto).</summary>
public static class ClusterMetadata
{
    /// <summary>The metadata entry that carries the cluster token on every internal call.</summary>
    public const string TokenHeader = Platform.Hosting.ClusterTokenGate.Header;

    /// <summary>The <c>google.rpc.ErrorInfo</c> domain of platform errors.</summary>
    public const string ErrorDomain = "platform";
}
