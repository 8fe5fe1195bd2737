using Platform.ControlPlane;
using Platform.Server.Telemetry;
using Platform.Worker;

namespace Platform.Server;

/// <summary>
/// The composition root of the one executable, shared by <c>Program</c> and by tests that need
/// the real wiring.
/// </summary>
public static class PlatformServer
{
    /// <summary>
    /// Builds the application for <c>--role</c> (from <paramref name="args"/>/configuration).
    /// <paramref name="configure"/> runs after the defaults (tests add configuration or services).
    /// </summary>
    /// <exception cref="ServerConfigurationException">The role is unknown or not available.</exception>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        // Optional appsettings files are read beside the executable; the working directory is the caller's (dev keeps its data there).
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        ServerDefaults.AddTo(builder.Configuration);
        configure?.Invoke(builder);
        var role = ServerRoles.Parse(builder.Configuration[ServerRoles.ConfigurationKey]);

        if (role.HasFlag(ServerRole.ControlPlane))
            builder.Services.AddControlPlane(builder.Configuration);
        if (role.HasFlag(ServerRole.Worker))
            builder.Services.AddWorker(builder.Configuration);
        builder.AddPlatformTelemetry(role);

        var app = builder.Build();
        app.MapPlatformTelemetry();
        if (role.HasFlag(ServerRole.ControlPlane))
            app.MapControlPlane();
        if (role.HasFlag(ServerRole.Worker))
            app.MapWorker();
        return app;
    }
}
