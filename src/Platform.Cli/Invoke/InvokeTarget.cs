namespace Platform.Cli.Invoke;

/// <summary><c>NAME</c>, <c>NAME@VERSION</c> or <c>NAME@ALIAS</c>.</summary>
internal readonly record struct InvokeTarget(string Name, string? Reference)
{
    public static InvokeTarget? Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var at = text.IndexOf('@', StringComparison.Ordinal);
        if (at < 0) return text.Length == 0 ? null : new InvokeTarget(text, null);
        if (at == 0 || at == text.Length - 1) return null;
        return new InvokeTarget(text[..at], text[(at + 1)..]);
    }

    /// <summary>The route: <c>v1/functions/NAME[@REF]/invoke</c>, each part escaped.</summary>
    public string Path => Reference is null
        ? $"v1/functions/{Uri.EscapeDataString(Name)}/invoke"
        : $"v1/functions/{Uri.EscapeDataString(Name)}@{Uri.EscapeDataString(Reference)}/invoke";
}
