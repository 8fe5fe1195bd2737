using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Platform.ControlPlane.Usage;

/// <summary>Wiring of usage accounting: the in-memory aggregator, its flusher and the store.</summary>
internal static class UsageRegistration
{
    public static IServiceCollection AddUsage(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<UsageOptions>()
            .Bind(configuration.GetSection(UsageOptions.SectionName))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<UsageOptions>>(new ValidateUsageOptions());
        services.AddSingleton<UsageAggregator>();
        services.AddSingleton<UsageStore>();
        services.AddSingleton<UsageFlusher>();
        services.AddHostedService(sp => sp.GetRequiredService<UsageFlusher>());
        return services;
    }

    private sealed class ValidateUsageOptions : IValidateOptions<UsageOptions>
    {
        public ValidateOptionsResult Validate(string? name, UsageOptions options)
        {
            var failures = options.Validate().ToList();
            return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
        }
    }
}
