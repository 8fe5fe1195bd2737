using System.Buffers.Binary;

namespace Platform.Runtime.Components;

/// <summary>
/// Tells a serialized component from a serialized module without deserializing it: Wasmtime's
/// artifacts are ELF objects that mark their kind in the header's <c>e_flags</c>
/// (<c>EF_WASMTIME_MODULE</c> = 1, <c>EF_WASMTIME_COMPONENT</c> = 2).
/// </summary>
internal static class ArtifactKinds
{
    private const int Elf64FlagsOffset = 48;
    private const uint ComponentFlag = 1u << 1;

    public static bool IsComponentArtifact(ReadOnlySpan<byte> artifact) =>
        artifact.Length >= Elf64FlagsOffset + 4
        && artifact[..4].SequenceEqual("\u007fELF"u8)
        && (BinaryPrimitives.ReadUInt32LittleEndian(artifact.Slice(Elf64FlagsOffset, 4)) & ComponentFlag) != 0;
}
