using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Platform.ControlPlane.Hosting;

namespace Platform.ControlPlane.Modules;

/// <summary>Wiring of module garbage collection.</summary>
internal static class ModuleRegistration
{
    public static IServiceCollection AddModuleCollection(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddCheckedOptions<ModuleCollectionOptions>(configuration, ModuleCollectionOptions.SectionName, o => o.Validate());
        services.AddSingleton<ModuleCollector>();
        services.AddHostedService(sp => sp.GetRequiredService<ModuleCollector>());
        return services;
    }
}
