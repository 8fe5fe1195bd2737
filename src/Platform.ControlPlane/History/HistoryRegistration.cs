using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Platform.ControlPlane.History;

/// <summary>Wiring of the invocation history: the buffer, its flusher, the pruner and the store.</summary>
internal static class HistoryRegistration
{
    public static IServiceCollection AddHistory(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<HistoryOptions>()
            .Bind(configuration.GetSection(HistoryOptions.SectionName))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<HistoryOptions>>(new ValidateHistoryOptions());
        services.AddSingleton<HistoryBuffer>();
        services.AddSingleton<HistoryStore>();
        services.AddSingleton<HistoryFlusher>();
        services.AddHostedService(sp => sp.GetRequiredService<HistoryFlusher>());
        services.AddHostedService<HistoryPruner>();
        return services;
    }

    private sealed class ValidateHistoryOptions : IValidateOptions<HistoryOptions>
    {
        public ValidateOptionsResult Validate(string? name, HistoryOptions options)
        {
            var failures = options.Validate().ToList();
            return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
        }
    }
}
