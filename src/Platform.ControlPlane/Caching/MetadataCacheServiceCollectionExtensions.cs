using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Platform.ControlPlane.Functions;
using Platform.ControlPlane.Hosting;
using Platform.ControlPlane.Tenants;

namespace Platform.ControlPlane.Caching;

public static class MetadataCacheServiceCollectionExtensions
{
    /// <summary>
    /// Caches resolved functions and quotas in front of the stores (<c>Platform:Cache:*</c>,
    /// <see cref="MetadataCacheOptions"/>) and runs the LISTEN/NOTIFY change listener. Call after
    /// the stores are registered: it replaces <see cref="IFunctionCatalog"/> and <see cref="ITenantDirectory"/>.
    /// </summary>
    public static IServiceCollection AddMetadataCache(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddCheckedOptions<MetadataCacheOptions>(configuration, MetadataCacheOptions.SectionName, o => o.Validate());
        services.AddSingleton<MetadataCache>();
        services.AddSingleton<IFunctionCatalog, CachingFunctionCatalog>();
        services.AddSingleton<ITenantDirectory, CachingTenantDirectory>();
        services.AddHostedService<MetadataChangeListener>();
        return services;
    }
}
