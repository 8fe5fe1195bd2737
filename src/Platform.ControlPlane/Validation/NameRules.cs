using System.Text.RegularExpressions;
using Platform.ControlPlane.Errors;

namespace Platform.ControlPlane.Validation;

/// <summary>Tenant, function and alias names: <c>^[a-z0-9][a-z0-9-]{0,62}$</c>, ASCII only.</summary>
internal static partial class NameRules
{
    public const string Pattern = "^[a-z0-9][a-z0-9-]{0,62}$";

    public static bool IsValid(string? name) => name is not null && NameRegex().IsMatch(name);

    /// <summary>Throws INVALID_ARGUMENT naming <paramref name="field"/> unless the name is valid.</summary>
    public static string Require(string? name, string field)
    {
        if (IsValid(name))
            return name!;
        var shown = name is null ? "missing" : $"'{Truncate(name)}'";
        throw PlatformException.InvalidArgument(field, $"{field} {shown} is invalid: use 1-63 characters of a-z, 0-9 and '-', starting with a letter or digit");
    }

    private static string Truncate(string value) => value.Length <= 80 ? value : value[..80] + "...";

    // \z rather than $: '$' would accept a trailing newline.
    [GeneratedRegex(@"\A[a-z0-9][a-z0-9-]{0,62}\z", RegexOptions.CultureInvariant)]
    private static partial Regex NameRegex();
}
