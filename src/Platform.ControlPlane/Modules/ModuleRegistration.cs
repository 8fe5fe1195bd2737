using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Platform.ControlPlane.Modules;

/// <summary>Wiring of module garbage collection.</summary>
internal static class ModuleRegistration
{
    public static IServiceCollection AddModuleCollection(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ModuleCollectionOptions>()
            .Bind(configuration.GetSection(ModuleCollectionOptions.SectionName))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<ModuleCollectionOptions>>(new ValidateModuleCollectionOptions());
        services.AddSingleton<ModuleCollector>();
        services.AddHostedService(sp => sp.GetRequiredService<ModuleCollector>());
        return services;
    }

    private sealed class ValidateModuleCollectionOptions : IValidateOptions<ModuleCollectionOptions>
    {
        public ValidateOptionsResult Validate(string? name, ModuleCollectionOptions options)
        {
            var failures = options.Validate().ToList();
            return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
        }
    }
}
