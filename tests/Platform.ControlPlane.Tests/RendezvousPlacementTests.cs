using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Platform.ControlPlane.Cluster;

namespace Platform.ControlPlane.Tests;

/// <summary>
/// Placement is a contract between replicas and versions: every control plane must rank workers
/// the same way, so the ranking is checked against its definition (SHA-256 of "{worker}\n{module}",
/// the first 8 bytes big-endian, highest first, ties by id).
/// </summary>
public sealed class RendezvousPlacementTests
{
    [Fact]
    public void Rank_ManyModules_MatchesTheDefinition()
    {
        var ids = new[] { "w1", "w2", "w3", "worker-ä-ü", "a", new string('x', 700) };
        var workers = ids.Select(Worker).ToList();
        var random = new Random(42);
        for (var i = 0; i < 200; i++)
        {
            var sha = Convert.ToHexStringLower(RandomBytes(random, 32));
            var expected = ids.OrderByDescending(id => Score(id, sha)).ThenBy(id => id, StringComparer.Ordinal);
            Assert.Equal(expected, RendezvousPlacement.Rank(sha, workers).Select(w => w.Id));
        }
    }

    [Fact]
    public void Rank_NoWorkers_Empty_SameIdTwice_TiedAndBothKept()
    {
        Assert.Empty(RendezvousPlacement.Rank(new string('0', 64), []));
        var ranked = RendezvousPlacement.Rank(new string('1', 64), [Worker("same"), Worker("same")]);
        Assert.Equal(["same", "same"], ranked.Select(w => w.Id));
    }

    private static WorkerInfo Worker(string id) => new(id, $"http://127.0.0.1:1/{id.Length}", 1, 0, 0, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch);

    private static ulong Score(string workerId, string sha) =>
        BinaryPrimitives.ReadUInt64BigEndian(SHA256.HashData(Encoding.UTF8.GetBytes($"{workerId}\n{sha}")));

    private static byte[] RandomBytes(Random random, int count)
    {
        var bytes = new byte[count];
        random.NextBytes(bytes);
        return bytes;
    }
}
