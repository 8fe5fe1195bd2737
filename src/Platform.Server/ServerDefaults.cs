using Microsoft.Extensions.Configuration.Memory;

namespace Platform.Server;

/// <summary>
/// Configuration defaults that hold whether or not an appsettings.json ships beside the
/// executable, below every other source: an operator's
/// appsettings, environment variables and command line override them.
/// </summary>
internal static class ServerDefaults
{
    /// <summary>
    /// At the default level nothing logs per request: ASP.NET Core's request and endpoint lines
    /// and the gRPC client's line for every failed call are Information, so those categories
    /// start at Warning. The platform's own Information lines are per upload, start or change.
    /// </summary>
    private static readonly Dictionary<string, string?> Values = new()
    {
        ["Logging:LogLevel:Default"] = "Information",
        ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
        ["Logging:LogLevel:Grpc"] = "Warning",
        ["Logging:LogLevel:System.Net.Http"] = "Warning",
        ["Logging:Console:FormatterOptions:IncludeScopes"] = "true",
    };

    public static void AddTo(ConfigurationManager configuration) =>
        configuration.Sources.Insert(0, new MemoryConfigurationSource { InitialData = Values });
}
