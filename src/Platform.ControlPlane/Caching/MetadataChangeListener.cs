using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Platform.ControlPlane.Functions;
using Platform.ControlPlane.Tenants;

namespace Platform.ControlPlane.Caching;

/// <summary>
/// Keeps one PostgreSQL connection that LISTENs on <c>platform_functions</c> and
/// <c>platform_tenants</c> and applies each notification to the <see cref="MetadataCache"/>.
/// When the connection fails it marks the cache non-authoritative and reconnects with exponential
/// backoff (forever); on every (re)connection the cache starts empty, since notifications sent in
/// between are lost.
/// </summary>
internal sealed partial class MetadataChangeListener(
    NpgsqlDataSource dataSource,
    MetadataCache cache,
    IOptions<MetadataCacheOptions> options,
    TimeProvider time,
    ILogger<MetadataChangeListener> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled)
            return;
        var delay = options.Value.ListenerReconnectDelay;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(stoppingToken);
                connection.Notification += OnNotification;
                await using (var listen = new NpgsqlCommand($"LISTEN {FunctionStore.ChangeChannel}; LISTEN {TenantStore.ChangeChannel};", connection))
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                cache.ListenerStateChanged(listening: true);
                LogListening(logger);
                delay = options.Value.ListenerReconnectDelay;
                while (!stoppingToken.IsCancellationRequested)
                {
                    if (!await connection.WaitAsync(options.Value.ListenerPingInterval, stoppingToken))
                    {
                        await using var ping = new NpgsqlCommand("SELECT 1", connection);
                        await ping.ExecuteScalarAsync(stoppingToken);
                    }
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                cache.ListenerStateChanged(listening: false);
                LogLost(logger, delay, ex);
            }

            try
            {
                await Task.Delay(delay, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, options.Value.ListenerMaxReconnectDelay.Ticks));
        }

        cache.ListenerStateChanged(listening: false);
    }

    private void OnNotification(object sender, NpgsqlNotificationEventArgs e)
    {
        switch (e.Channel)
        {
            case FunctionStore.ChangeChannel:
                var slash = e.Payload.IndexOf('/', StringComparison.Ordinal);
                if (slash > 0 && Guid.TryParse(e.Payload.AsSpan(0, slash), out var tenant))
                    cache.FunctionChanged(tenant, e.Payload[(slash + 1)..]);
                break;
            case TenantStore.ChangeChannel:
                if (Guid.TryParse(e.Payload, out var changed))
                    cache.TenantChanged(changed);
                break;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Listening for metadata changes")]
    private static partial void LogListening(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Metadata change listener lost PostgreSQL; the cache serves only as a fallback until it reconnects (retry in {Delay})")]
    private static partial void LogLost(ILogger logger, TimeSpan delay, Exception exception);
}
