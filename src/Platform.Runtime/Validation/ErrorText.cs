using System.Text.RegularExpressions;

namespace Platform.Runtime.Validation;

internal static partial class ErrorText
{
    /// <summary>
    /// Wasmtime messages carry backtraces and numbered context chains ("Caused by: 0: … 1: …");
    /// a user needs the chain's links, the innermost (the real reason) included, on one line.
    /// </summary>
    public static string FirstLines(string message, int maxLines = 5, int maxLength = 500)
    {
        var lines = message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(line => line != "Caused by:")
            .Select(line => ChainNumber().Replace(line, string.Empty))
            .TakeWhile(line => !line.StartsWith("Stack backtrace", StringComparison.Ordinal));
        var text = string.Join(": ", lines.Take(maxLines));
        return text.Length <= maxLength ? text : text[..maxLength] + "…";
    }

    [GeneratedRegex(@"^\d+: ")]
    private static partial Regex ChainNumber();
}
