using Google.Protobuf;
using Platform.Runtime.Artifacts;
using V1 = Platform.Contracts.V1;

namespace Platform.ControlPlane.Cluster;

/// <summary>A signed artifact on the cluster wire: its header, and its bytes in chunks that stay well inside gRPC's message limits.</summary>
internal static class ArtifactWire
{
    public const int ChunkBytes = 1 << 20;

    public static V1.ArtifactHeader Header(SignedArtifact artifact) => new()
    {
        Kind = artifact.Kind switch
        {
            ArtifactKind.CoreModule => V1.ArtifactKind.CoreModule,
            ArtifactKind.Component => V1.ArtifactKind.Component,
            _ => throw new ArgumentOutOfRangeException(nameof(artifact), artifact.Kind, "no wire kind"),
        },
        EngineFingerprint = artifact.Fingerprint,
        SizeBytes = artifact.Bytes.Length,
        Signature = ByteString.CopyFrom(artifact.Signature),
    };

    /// <summary>Views of the artifact's bytes (not copies: the array is never written after it was signed).</summary>
    public static IEnumerable<ByteString> Chunks(SignedArtifact artifact)
    {
        for (var offset = 0; offset < artifact.Bytes.Length; offset += ChunkBytes)
            yield return UnsafeByteOperations.UnsafeWrap(artifact.Bytes.AsMemory(offset, Math.Min(ChunkBytes, artifact.Bytes.Length - offset)));
    }
}
