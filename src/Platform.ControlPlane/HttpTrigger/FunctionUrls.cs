using Microsoft.AspNetCore.Http;
using Platform.ControlPlane.Functions;

namespace Platform.ControlPlane.HttpTrigger;

/// <summary>
/// A function's HTTP addresses as the caller reached the API: the path form, and the host form
/// when <c>Platform:Http:BaseDomain</c> is set. <c>{ref}</c> in <see cref="VersionUrls"/> stands for
/// a version number or an alias.
/// </summary>
public sealed record FunctionUrls(bool Public, string PathUrl, string? HostUrl, IReadOnlyList<string> VersionUrls)
{
    internal static FunctionUrls? For(ResolvedFunction? latest, string tenant, HttpRequest request, string? baseDomain)
    {
        if (latest?.Config.Http is not { } http) return null;
        var origin = $"{request.Scheme}://{request.Host}";
        var port = request.Host.Port is { } p ? $":{p}" : string.Empty;
        var pathUrl = $"{origin}{HttpAddress.PathPrefix}{tenant}/{latest.Name}/";
        var hostUrl = baseDomain is null ? null : $"{request.Scheme}://{latest.Name}.{tenant}.{baseDomain}{port}/";
        var versions = new List<string> { $"{origin}{HttpAddress.PathPrefix}{tenant}/{latest.Name}@{{ref}}/" };
        if (baseDomain is not null)
            versions.Add($"{request.Scheme}://{latest.Name}{HttpAddress.HostReferenceSeparator}{{ref}}.{tenant}.{baseDomain}{port}/");
        return new FunctionUrls(http.Public, pathUrl, hostUrl, versions);
    }
}
