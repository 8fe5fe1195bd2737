using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;

namespace Platform.ControlPlane.Tests;

/// <summary>
/// At the server's default log levels (no Logging settings given, whatever the working directory)
/// a request writes no log line: the request pipeline's Information lines are off.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class LoggingDefaultsTests(PostgresFixture postgres)
{
    [Fact]
    public async Task DefaultLevels_AuthenticatedRequests_WriteNoRequestLogLines()
    {
        await using var database = await postgres.CreateDatabaseAsync().Within();
        var captured = new CapturingProvider();
        // Null removes the test host's own Logging settings: the server's defaults apply.
        var settings = new Dictionary<string, string?> { ["Logging:LogLevel:Default"] = null, ["Logging:LogLevel:Microsoft"] = null };
        await using var host = await PlatformTestHost.StartAsync(database.ConnectionString, settings, b => b.Logging.AddProvider(captured)).Within(TimeSpan.FromSeconds(60));
        using var admin = host.CreateClient(host.AdminKey);
        using var created = await admin.PostAsJsonAsync("/v1/tenants", new { name = "logs" }).Within();
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var key = JsonNode.Parse(await created.Content.ReadAsStringAsync().Within())!["apiKey"]!.GetValue<string>();
        using var client = host.CreateClient(key);
        // The defaults are in force: the platform's own Information lines (start-up) were written.
        Assert.Contains(captured.Records, r => r.Level == LogLevel.Information && r.Category.StartsWith("Platform.", StringComparison.Ordinal));

        var before = captured.Records.Count;
        for (var i = 0; i < 20; i++)
        {
            using var listed = await client.GetAsync("/v1/functions").Within();
            Assert.Equal(HttpStatusCode.OK, listed.StatusCode);
        }

        var during = captured.Records.Skip(before).ToList();
        Assert.DoesNotContain(during, r => r.Category.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal));
        Assert.True(during.Count < 20, $"{during.Count} log lines for 20 requests: {string.Join("; ", during.Select(r => r.Category))}");
    }

    private sealed class CapturingProvider : ILoggerProvider
    {
        public ConcurrentQueue<(string Category, LogLevel Level)> Queue { get; } = new();

        public IReadOnlyList<(string Category, LogLevel Level)> Records => [.. Queue];

        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, Queue);

        public void Dispose()
        {
        }

        private sealed class Logger(string category, ConcurrentQueue<(string, LogLevel)> queue) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                queue.Enqueue((category, logLevel));
        }
    }
}
