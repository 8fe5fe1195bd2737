using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Platform.Runtime;
using Platform.Runtime.Compilation;

namespace Platform.Hosting;

/// <summary>
/// Tenant code compiles in compiler processes under the budget of <c>Platform:Compile</c>
/// (control plane and worker alike). A host that already has an <see cref="IModuleCompiler"/>
/// (dev shares one across its in-process hosts) keeps it.
/// </summary>
public static class CompileBudgetRegistration
{
    public const string SectionName = "Platform:Compile";

    public static IServiceCollection AddCompileBudget(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton<IModuleCompiler>(sp =>
        {
            var budget = new CompileBudget();
            configuration.GetSection(SectionName).Bind(budget);
            return new IsolatedCompiler(sp.GetRequiredService<WasmEngine>(), budget);
        });
        return services;
    }
}
