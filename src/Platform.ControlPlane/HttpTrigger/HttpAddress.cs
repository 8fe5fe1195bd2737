using Platform.ControlPlane.Invocation;
using Platform.ControlPlane.Validation;

namespace Platform.ControlPlane.HttpTrigger;

/// <summary>
/// Which function an HTTP request is for, and the part of the request target it sees. Parsed from
/// the raw request target, not from the routed path: the server removes dot segments and decodes
/// percent-escapes in the path, and the function must see its path exactly as it was sent.
/// </summary>
internal sealed record HttpAddress(string Tenant, InvocationTarget Function, string ScriptName, string RawPath, string RawQuery, bool SharedOrigin)
{
    public const string PathPrefix = "/fn/";

    /// <summary>Tenant, function and reference are valid names: anything else names nothing.</summary>
    public bool IsWellFormed =>
        NameRules.IsValid(Tenant) && NameRules.IsValid(Function.Name) && (Function.Reference is null || NameRules.IsValid(Function.Reference));

    /// <summary>The separator of a function and its version or alias in the host form's first label.</summary>
    public const string HostReferenceSeparator = "--";

    /// <summary>
    /// <c>/fn/{tenant}/{function}[@ref]/{*path}</c>; null when the raw target is not under <c>/fn/</c>.
    /// Names are not checked here: an invalid one resolves to nothing, answered like any unknown function.
    /// </summary>
    public static HttpAddress? FromPath(string rawTarget)
    {
        var (path, query) = Split(rawTarget);
        if (!path.StartsWith(PathPrefix, StringComparison.Ordinal)) return null;
        var tenantEnd = path.IndexOf('/', PathPrefix.Length);
        if (tenantEnd < 0) tenantEnd = path.Length;
        var functionEnd = tenantEnd == path.Length ? tenantEnd : path.IndexOf('/', tenantEnd + 1);
        if (functionEnd < 0) functionEnd = path.Length;
        var tenant = Uri.UnescapeDataString(path[PathPrefix.Length..tenantEnd]);
        var target = tenantEnd == path.Length ? string.Empty : Uri.UnescapeDataString(path[(tenantEnd + 1)..functionEnd]);
        var rest = path[functionEnd..];
        return new HttpAddress(tenant, Target(target, "@"), path[..functionEnd], rest.Length == 0 ? "/" : rest, query, SharedOrigin: true);
    }

    /// <summary><c>{function}[--{ref}].{tenant}.{baseDomain}</c> with the whole path; null for any other host.</summary>
    public static HttpAddress? FromHost(string host, string rawTarget, string baseDomain)
    {
        host = host.TrimEnd('.').ToLowerInvariant();
        var suffix = "." + baseDomain;
        if (!host.EndsWith(suffix, StringComparison.Ordinal)) return null;
        var labels = host[..^suffix.Length].Split('.');
        if (labels.Length != 2) return null;
        var (path, query) = Split(rawTarget);
        return new HttpAddress(labels[1], Target(labels[0], HostReferenceSeparator), string.Empty, path.Length == 0 ? "/" : path, query, SharedOrigin: false);
    }

    private static InvocationTarget Target(string target, string separator)
    {
        var at = target.IndexOf(separator, StringComparison.Ordinal);
        return at < 0 ? new InvocationTarget(target, null) : new InvocationTarget(target[..at], target[(at + separator.Length)..]);
    }

    /// <summary>Origin-form (<c>/a/b?q</c>) or absolute-form (<c>http://host/a/b?q</c>) into path and query.</summary>
    private static (string Path, string Query) Split(string rawTarget)
    {
        var target = rawTarget;
        if (!target.StartsWith('/') && Uri.TryCreate(target, UriKind.Absolute, out var absolute))
        {
            var authorityEnd = target.IndexOf('/', absolute.Scheme.Length + 3);
            target = authorityEnd < 0 ? "/" : target[authorityEnd..];
        }

        var question = target.IndexOf('?', StringComparison.Ordinal);
        return question < 0 ? (target, string.Empty) : (target[..question], target[(question + 1)..]);
    }

}
