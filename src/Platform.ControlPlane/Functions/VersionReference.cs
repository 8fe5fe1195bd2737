using System.Globalization;
using Platform.ControlPlane.Errors;
using Platform.ControlPlane.Validation;

namespace Platform.ControlPlane.Functions;

/// <summary>A version number or an alias name, as accepted in URLs ("3", "latest", "prod").</summary>
internal readonly record struct VersionReference(int? Version, string? Alias)
{
    public const string Latest = "latest";

    public static VersionReference Parse(string? text, string field)
    {
        if (text is { Length: > 0 } && text.All(char.IsAsciiDigit))
        {
            // All digits is always a version number (aliases cannot be numeric).
            if (text.Length <= 9 && int.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture) is var version and > 0)
                return new VersionReference(version, null);
        }
        else if (NameRules.IsValid(text))
        {
            return new VersionReference(null, text);
        }

        throw PlatformException.InvalidArgument(field, $"{field} must be a version number (1, 2, ...) or an alias name");
    }

    public static bool IsNumeric(string alias) => alias.All(char.IsAsciiDigit);
}
