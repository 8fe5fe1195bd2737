using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Platform.ControlPlane.Database;

/// <summary>
/// Applies migrations before the host starts listening. An unreachable database is retried
/// (transient errors only) until <see cref="DatabaseOptions.StartupTimeout"/>; anything else stops
/// the start-up.
/// </summary>
internal sealed partial class MigrationHostedService(
    MigrationRunner runner,
    IOptions<ControlPlaneOptions> options,
    TimeProvider timeProvider,
    ILogger<MigrationHostedService> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var database = options.Value.Database;
        if (!database.ApplyMigrations)
            return;

        var deadline = timeProvider.GetUtcNow() + database.StartupTimeout;
        var delay = TimeSpan.FromMilliseconds(250);
        while (true)
        {
            try
            {
                await runner.ApplyAsync(cancellationToken);
                return;
            }
            catch (Exception ex) when (DbErrors.IsTransient(ex) && timeProvider.GetUtcNow() + delay < deadline)
            {
                LogNotReachable(logger, ex.Message, delay);
                await Task.Delay(delay, timeProvider, cancellationToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Database not reachable yet ({Message}); retrying in {Delay}")]
    private static partial void LogNotReachable(ILogger logger, string message, TimeSpan delay);
}
