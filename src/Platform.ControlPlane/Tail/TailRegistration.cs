using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Platform.ControlPlane.Tail;

/// <summary>Wiring of live tails: the per-tenant slots and the poller.</summary>
internal static class TailRegistration
{
    public static IServiceCollection AddTail(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<TailOptions>()
            .Bind(configuration.GetSection(TailOptions.SectionName))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<TailOptions>>(new ValidateTailOptions());
        services.AddSingleton<TailSlots>();
        services.AddSingleton<TailPoller>();
        return services;
    }

    private sealed class ValidateTailOptions : IValidateOptions<TailOptions>
    {
        public ValidateOptionsResult Validate(string? name, TailOptions options)
        {
            var failures = options.Validate().ToList();
            return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
        }
    }
}
