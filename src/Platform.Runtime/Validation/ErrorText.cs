namespace Platform.Runtime.Validation;

internal static class ErrorText
{
    /// <summary>Wasmtime messages carry backtraces and context chains; a user needs the first lines.</summary>
    public static string FirstLines(string message, int maxLines = 3, int maxLength = 500)
    {
        var lines = message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var text = string.Join(": ", lines.Take(maxLines));
        return text.Length <= maxLength ? text : text[..maxLength] + "…";
    }
}
