using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Platform.ControlPlane.Cluster;

/// <summary>
/// Highest-random-weight (rendezvous) hashing: each worker gets a score per module, the highest
/// scores win. Adding or removing a worker moves only the modules it wins or held, and every
/// control-plane replica computes the same answer without coordination.
/// </summary>
public static class RendezvousPlacement
{
    /// <summary>The workers in placement order for <paramref name="moduleSha256"/>: the first ones hold it.</summary>
    public static IReadOnlyList<WorkerInfo> Rank(string moduleSha256, IEnumerable<WorkerInfo> workers) =>
        workers.OrderByDescending(worker => Score(worker.Id, moduleSha256)).ThenBy(worker => worker.Id, StringComparer.Ordinal).ToList();

    public static bool IsAssigned(string workerId, string moduleSha256, IEnumerable<WorkerInfo> workers, int replicationFactor) =>
        Rank(moduleSha256, workers).Take(replicationFactor).Any(worker => worker.Id == workerId);

    private static ulong Score(string workerId, string moduleSha256)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes($"{workerId}\n{moduleSha256}"), hash);
        return BinaryPrimitives.ReadUInt64BigEndian(hash);
    }
}
