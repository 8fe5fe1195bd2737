using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Platform.Runtime;
using Platform.Runtime.Artifacts;

namespace Platform.Hosting.Artifacts;

/// <summary>Wiring of <c>Platform:Artifacts</c> for the control plane (signing) and the worker (verifying).</summary>
public static class ArtifactRegistration
{
    public static ArtifactOptions Bind(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var options = new ArtifactOptions();
        configuration.GetSection(ArtifactOptions.SectionName).Bind(options);
        var problems = options.Validate().ToList();
        if (problems.Count > 0) throw new InvalidOperationException(string.Join("; ", problems));
        return options;
    }

    public static IServiceCollection AddArtifactSigning(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(sp => new ArtifactSigning(Bind(configuration), sp.GetRequiredService<WasmEngine>()));
        return services;
    }

    /// <summary>
    /// The worker's trusted keys: the configured ones, plus the signing key's own public key when
    /// the control plane runs in the same process (<c>--role all</c>).
    /// </summary>
    public static IServiceCollection AddArtifactVerifier(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(sp =>
        {
            var options = Bind(configuration);
            var keys = options.TrustedPublicKeys
                .Concat(options.TrustedPublicKeyPaths.Select(File.ReadAllText))
                .ToList();
            if (sp.GetService<ArtifactSigning>()?.PublicKeyPem is { } own) keys.Add(own);
            return new ArtifactVerifier(keys);
        });
        return services;
    }
}
