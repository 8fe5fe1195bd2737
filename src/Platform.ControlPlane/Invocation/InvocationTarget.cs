using Platform.ControlPlane.Errors;
using Platform.ControlPlane.Validation;

namespace Platform.ControlPlane.Invocation;

/// <summary><c>name</c> or <c>name@version-or-alias</c>, as in the invoke route.</summary>
internal readonly record struct InvocationTarget(string Name, string? Reference)
{
    public static InvocationTarget Parse(string target)
    {
        var at = target.IndexOf('@', StringComparison.Ordinal);
        if (at < 0) return new(NameRules.Require(target, "name"), null);
        var name = NameRules.Require(target[..at], "name");
        var reference = target[(at + 1)..];
        if (reference.Length == 0)
            throw PlatformException.InvalidArgument("version", "expected name@version or name@alias after '@'");
        return new(name, NameRules.Require(reference, "version"));
    }
}
