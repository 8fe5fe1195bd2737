namespace Platform.Runtime.Preinit;

/// <summary>
/// The data segments of a snapshot: the memory's non-zero bytes as runs, runs separated by a
/// short gap of zeros merged (a segment's header costs about as much as a few zeros), and the
/// gap widened until the count stays under <see cref="MaxSegments"/>, far below the 100,000 data
/// segments Wasmtime accepts, whatever pattern a hostile initialiser leaves behind.
/// </summary>
internal static class NonZeroRuns
{
    public const int MaxSegments = 10_000;
    private const int InitialGap = 16;

    public static List<(int Start, int End)> Find(ReadOnlySpan<byte> memory)
    {
        for (var gap = InitialGap; ; gap *= 4)
        {
            var runs = Find(memory, gap, MaxSegments);
            if (runs is not null) return runs;
        }
    }

    /// <summary>Null when more than <paramref name="limit"/> runs would be needed.</summary>
    private static List<(int Start, int End)>? Find(ReadOnlySpan<byte> memory, int gap, int limit)
    {
        var runs = new List<(int, int)>();
        var position = 0;
        while (position < memory.Length)
        {
            var offset = memory[position..].IndexOfAnyExcept((byte)0);
            if (offset < 0) break;
            var start = position + offset;
            var end = start;
            while (true)
            {
                var zero = memory[end..].IndexOf((byte)0);
                if (zero < 0)
                {
                    end = memory.Length;
                    break;
                }

                end += zero;
                var next = memory[end..].IndexOfAnyExcept((byte)0);
                if (next < 0 || next > gap) break;
                end += next;
            }

            if (runs.Count == limit) return null;
            runs.Add((start, end));
            position = end;
        }

        return runs;
    }
}
