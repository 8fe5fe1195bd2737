using System.Security.Cryptography;
using System.Text;

namespace Platform.ControlPlane.Cluster;

/// <summary>The cluster token on internal gRPC calls: the metadata entry and a constant-time check.</summary>
public static class ClusterToken
{
    public const string MetadataKey = "x-platform-cluster-token";

    public static bool Matches(string? presented, string expected) =>
        presented is not null
        && CryptographicOperations.FixedTimeEquals(
            SHA256.HashData(Encoding.UTF8.GetBytes(presented)),
            SHA256.HashData(Encoding.UTF8.GetBytes(expected)));
}
