using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Platform.Runtime;

namespace Platform.Hosting;

/// <summary>
/// The process's one <see cref="WasmEngine"/>, from <c>Platform:Runtime:*</c>, for the control
/// plane and the worker alike: with <c>--role all</c> both roles get the same engine and so the
/// same pool, whichever registers first. A host that already has an engine (dev shares one
/// across its in-process hosts) keeps it.
/// </summary>
public static class SandboxEngineRegistration
{
    public const string SectionName = "Platform:Runtime";

    public static IServiceCollection AddSandboxEngine(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        // The sandbox's wall clock is always the real one.
        services.TryAddSingleton(_ => new WasmEngine(Bind(configuration), TimeProvider.System));
        return services;
    }

    public static RuntimeOptions Bind(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var options = new RuntimeOptions();
        configuration.GetSection(SectionName).Bind(options);
        return options;
    }
}
