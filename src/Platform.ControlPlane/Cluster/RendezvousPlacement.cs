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
    public static IReadOnlyList<WorkerInfo> Rank(string moduleSha256, IEnumerable<WorkerInfo> workers)
    {
        // Runs on every invocation: scores computed once per worker, no strings made to be hashed.
        var scored = workers.Select(worker => (Score: Score(worker.Id, moduleSha256), Worker: worker)).ToArray();
        Array.Sort(scored, static (a, b) => a.Score != b.Score ? b.Score.CompareTo(a.Score) : string.CompareOrdinal(a.Worker.Id, b.Worker.Id));
        var ranked = new WorkerInfo[scored.Length];
        for (var i = 0; i < scored.Length; i++) ranked[i] = scored[i].Worker;
        return ranked;
    }

    public static bool IsAssigned(string workerId, string moduleSha256, IEnumerable<WorkerInfo> workers, int replicationFactor) =>
        Rank(moduleSha256, workers).Take(replicationFactor).Any(worker => worker.Id == workerId);

    private static ulong Score(string workerId, string moduleSha256)
    {
        // The UTF-8 bytes of "{workerId}\n{moduleSha256}", hashed without building the string.
        var length = Encoding.UTF8.GetByteCount(workerId) + 1 + Encoding.UTF8.GetByteCount(moduleSha256);
        Span<byte> input = length <= 512 ? stackalloc byte[length] : new byte[length];
        var written = Encoding.UTF8.GetBytes(workerId, input);
        input[written++] = (byte)'\n';
        Encoding.UTF8.GetBytes(moduleSha256, input[written..]);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(input, hash);
        return BinaryPrimitives.ReadUInt64BigEndian(hash);
    }
}
