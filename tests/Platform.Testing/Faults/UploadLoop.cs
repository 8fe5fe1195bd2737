using Platform.Testing.Processes;

namespace Platform.Testing.Faults;

/// <summary>One upload of a load run: its number (the module's marker), when it was sent, what it got.</summary>
public sealed record Upload(int Number, TimeSpan SentAt, UploadAttempt Attempt);

/// <summary>
/// Uploads a new, distinct module version of one function at a fixed interval while a fault runs,
/// and afterwards checks that every acknowledged upload is stored (same version, same SHA-256).
/// </summary>
public static class UploadLoop
{
    public const string Function = "uploaded";

    public static async Task<IReadOnlyList<Upload>> RunAsync(PlatformApi api, Timeline clock, TimeSpan interval, TimeSpan until)
    {
        var uploads = new List<Upload>();
        for (var n = 1; clock.Now < until; n++)
        {
            var sentAt = clock.Now;
            using var cts = new CancellationTokenSource(FaultBed.ClientTimeout);
            uploads.Add(new Upload(n, sentAt, await api.TryDeployAsync(Function, FaultModules.NumberedEcho(n), null, cts.Token)));
            await clock.At(sentAt + interval);
        }

        return uploads;
    }

    /// <summary>The acknowledged uploads that are not stored as acknowledged (must be none).</summary>
    public static async Task<IReadOnlyList<Upload>> MissingAsync(PlatformApi api, IEnumerable<Upload> uploads)
    {
        var acknowledged = uploads.Where(u => u.Attempt.Deployed is not null).ToList();
        if (acknowledged.Count == 0) return [];
        var stored = (await api.VersionsAsync(Function)).ToHashSet();
        return acknowledged.Where(u => !stored.Contains((u.Attempt.Deployed!.Version, u.Attempt.Deployed.Sha256))).ToList();
    }

    /// <summary>"12 acknowledged, 30 UNAVAILABLE" for the uploads sent in [from, to).</summary>
    public static string Describe(IEnumerable<Upload> uploads, TimeSpan from, TimeSpan to)
    {
        var kinds = uploads.Where(u => u.SentAt >= from && u.SentAt < to)
            .GroupBy(u => u.Attempt.Deployed is not null ? "acknowledged" : u.Attempt.Code ?? u.Attempt.Error ?? $"HTTP {u.Attempt.Status}")
            .Select(g => $"{g.Count()} {g.Key}");
        return string.Join(", ", kinds) is { Length: > 0 } text ? text : "none";
    }
}
