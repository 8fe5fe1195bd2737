using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Platform.ControlPlane.Hosting;

namespace Platform.ControlPlane.Usage;

/// <summary>Wiring of usage accounting: the in-memory aggregator, its flusher and the store.</summary>
internal static class UsageRegistration
{
    public static IServiceCollection AddUsage(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddCheckedOptions<UsageOptions>(configuration, UsageOptions.SectionName, o => o.Validate());
        services.AddSingleton<UsageAggregator>();
        services.AddSingleton<UsageStore>();
        services.AddSingleton<UsageFlusher>();
        services.AddHostedService(sp => sp.GetRequiredService<UsageFlusher>());
        return services;
    }
}
