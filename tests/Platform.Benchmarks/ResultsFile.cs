namespace Platform.Benchmarks;

/// <summary>Edits of the results file when one suite is rerun on its own.</summary>
internal static class ResultsFile
{
    private const string NotePrefix = "Written by `tests/Platform.Benchmarks`";

    /// <summary>
    /// The file without its <c>## prefix...</c> sections (each up to the next <c>## </c> heading)
    /// and without the "Written by" note that introduced them, so the rerun's sections can be appended.
    /// </summary>
    public static string WithoutSections(string markdown, string headingPrefix)
    {
        var chunks = markdown.Split("\n## ");
        var kept = new List<string> { chunks[0] };
        for (var i = 1; i < chunks.Length; i++)
        {
            if (!chunks[i].StartsWith(headingPrefix, StringComparison.Ordinal))
            {
                kept.Add(chunks[i]);
                continue;
            }

            // The section goes; so does a note paragraph at the end of the chunk before it.
            var previous = kept[^1];
            var note = previous.LastIndexOf("\n" + NotePrefix, StringComparison.Ordinal);
            if (note >= 0 && kept.Count > 1) kept[^1] = previous[..note].TrimEnd('\n') + "\n";
        }

        return string.Join("\n## ", kept);
    }
}
