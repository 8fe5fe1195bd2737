namespace Platform.EndToEnd.Tests;

/// <summary>One command of the README's quick start and what the README says it prints (null: nothing).</summary>
public sealed record QuickStartStep(string Command, string? Expected)
{
    /// <summary>
    /// True when <paramref name="output"/> (without its trailing line breaks) is what the README shows:
    /// the same text, or, where the README writes <c>...</c>, the text before it as a prefix and the text after it as a suffix.
    /// </summary>
    public bool Matches(string output)
    {
        var actual = output.TrimEnd('\n');
        if (Expected is null) return actual.Length == 0;
        var gap = Expected.IndexOf("...", StringComparison.Ordinal);
        if (gap < 0) return actual == Expected;
        var prefix = Expected[..gap];
        var suffix = Expected[(gap + 3)..];
        return actual.Length >= prefix.Length + suffix.Length
            && actual.StartsWith(prefix, StringComparison.Ordinal)
            && actual.EndsWith(suffix, StringComparison.Ordinal);
    }
}

/// <summary>
/// The commands of README.md as a newcomer copies them: the first command of its first bash block
/// (bringing the platform up), and the bash block of its "Quick start" section, whose
/// <c># → </c> lines show what the command before them prints.
/// </summary>
public sealed record ReadmeQuickStart(string DevCommand, IReadOnlyList<QuickStartStep> Steps)
{
    private const string QuickStartHeading = "## Quick start";
    private const string ExpectedPrefix = "# → ";

    public static ReadmeQuickStart Parse(string markdown)
    {
        var lines = markdown.ReplaceLineEndings("\n").Split('\n');
        var first = BashBlock(lines, 0) ?? throw new FormatException("README.md has no bash block");
        var devCommand = Commands(first).FirstOrDefault() ?? throw new FormatException("README.md's first bash block has no command");

        var heading = Array.IndexOf(lines, QuickStartHeading);
        if (heading < 0) throw new FormatException($"README.md has no '{QuickStartHeading}' section");
        var block = BashBlock(lines, heading) ?? throw new FormatException("README.md's quick start has no bash block");
        var next = Array.FindIndex(lines, heading + 1, l => l.StartsWith("## ", StringComparison.Ordinal));
        if (next >= 0 && block.Start > next) throw new FormatException("README.md's quick start section has no bash block of its own");

        var steps = new List<QuickStartStep>();
        foreach (var line in Logical(block.Lines))
        {
            if (line.StartsWith(ExpectedPrefix, StringComparison.Ordinal))
            {
                if (steps.Count == 0 || steps[^1].Expected is not null)
                    throw new FormatException($"README.md's quick start shows output without a command before it: {line}");
                steps[^1] = steps[^1] with { Expected = line[ExpectedPrefix.Length..] };
            }
            else if (line.Length > 0 && !line.StartsWith('#'))
            {
                steps.Add(new QuickStartStep(line, null));
            }
        }

        if (steps.Count == 0) throw new FormatException("README.md's quick start has no command");
        return new ReadmeQuickStart(devCommand, steps);
    }

    private sealed record Block(int Start, string[] Lines);

    private static Block? BashBlock(string[] lines, int from)
    {
        var open = Array.FindIndex(lines, from, l => l == "```bash");
        if (open < 0) return null;
        var close = Array.FindIndex(lines, open + 1, l => l == "```");
        if (close < 0) throw new FormatException($"README.md's bash block at line {open + 1} is not closed");
        return new Block(open, lines[(open + 1)..close]);
    }

    private static IEnumerable<string> Commands(Block block) =>
        Logical(block.Lines).Where(l => l.Length > 0 && !l.StartsWith('#'));

    /// <summary>Trimmed lines, with a line ending in a backslash joined to the next (as bash reads it).</summary>
    private static IEnumerable<string> Logical(IEnumerable<string> lines)
    {
        var pending = "";
        foreach (var raw in lines)
        {
            var line = raw.Trim();
            if (line.EndsWith('\\'))
            {
                pending += line[..^1] + " ";
                continue;
            }

            yield return pending + line;
            pending = "";
        }

        if (pending.Length > 0) yield return pending.TrimEnd();
    }
}
