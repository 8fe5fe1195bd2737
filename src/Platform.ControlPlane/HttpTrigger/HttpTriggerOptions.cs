using System.Text.RegularExpressions;

namespace Platform.ControlPlane.HttpTrigger;

/// <summary>Settings of the HTTP trigger (<c>Platform:Http:*</c>).</summary>
public sealed partial class HttpTriggerOptions
{
    /// <summary>
    /// The domain under which every function is its own origin, <c>{function}.{tenant}.{BaseDomain}</c>
    /// (<c>{function}--{ref}.{tenant}.{BaseDomain}</c> for a version or alias). Unset: only the path
    /// form <c>/fn/{tenant}/{function}/...</c> is served. <c>dev</c> sets <c>localhost</c>.
    /// </summary>
    public string? BaseDomain { get; set; }

    internal IEnumerable<string> Validate(string prefix)
    {
        if (BaseDomain is { } domain && !DomainRegex().IsMatch(domain))
            yield return $"{prefix}:BaseDomain '{domain}' is not a lower-case DNS name (labels of a-z, 0-9 and '-', separated by dots).";
    }

    [GeneratedRegex(@"\A[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*\z", RegexOptions.CultureInvariant)]
    private static partial Regex DomainRegex();
}
