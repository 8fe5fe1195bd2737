using System.Text.RegularExpressions;

namespace Platform.Operations.Tests;

/// <summary>Just enough PromQL reading to list the series selectors an expression uses.</summary>
public static partial class PromQl
{
    private static readonly HashSet<string> Keywords = new(StringComparer.Ordinal)
    {
        "by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "offset", "bool", "inf", "nan",
    };

    /// <summary>The selectors (<c>name</c> or <c>name{matchers}</c>) of <paramref name="expression"/>, in order, without repeats.</summary>
    public static IReadOnlyList<string> Selectors(string expression)
    {
        // Label lists of grouping and matching clauses are not metrics.
        var text = LabelList().Replace(expression, " ");
        text = QuotedString().Replace(text, m => m.Value.StartsWith('"') && IsInsideBraces(text, m.Index) ? m.Value : "\"\"");
        var selectors = new List<string>();
        foreach (Match match in Selector().Matches(text))
        {
            var name = match.Groups["name"].Value;
            if (Keywords.Contains(name))
                continue;
            var selector = name + match.Groups["matchers"].Value;
            if (!selectors.Contains(selector))
                selectors.Add(selector);
        }

        return selectors;
    }

    /// <summary>The metric names of <see cref="Selectors"/>.</summary>
    public static IEnumerable<string> MetricNames(string expression) =>
        Selectors(expression).Select(s => s.Split('{')[0]).Distinct(StringComparer.Ordinal);

    private static bool IsInsideBraces(string text, int index) => text.LastIndexOf('{', index) > text.LastIndexOf('}', index);

    [GeneratedRegex(@"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")]
    private static partial Regex LabelList();

    [GeneratedRegex("\"[^\"]*\"")]
    private static partial Regex QuotedString();

    /// <summary>An identifier that is not a function call (not followed by an opening parenthesis), with its matchers.</summary>
    [GeneratedRegex(@"(?<![\w""{,=~!])(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)\s*(?<matchers>\{[^}]*\})?(?!\s*\(|[\w])(?![^{]*\})")]
    private static partial Regex Selector();
}
