using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Platform.Cli.Remote;

namespace Platform.Cli.Workers;

/// <summary><c>platformctl workers</c>: GET /v1/workers (admin key).</summary>
internal static class WorkersCommand
{
    public static Command Create()
    {
        var command = new Command("workers", "List the registered workers, whether they are live, their load and last heartbeat (admin key).");
        command.SetRemoteAction(TimeSpan.FromSeconds(30), async (_, call) =>
            await call.PrintAsync(await call.CallAsync(HttpMethod.Get, "v1/workers"), (list, writer) => Write(list, writer, TimeProvider.System.GetUtcNow())));
        return command;
    }

    internal static void Write(JsonElement list, TextWriter writer, DateTimeOffset now)
    {
        var table = new Table("ID", "URL", "STATE", "IN-FLIGHT", "CAPACITY", "MODULES", "LAST HEARTBEAT", "REGISTERED");
        foreach (var worker in list.Items("workers"))
        {
            var state = worker.Member("live") switch
            {
                { ValueKind: JsonValueKind.True } => "live",
                { ValueKind: JsonValueKind.False } => "down",
                _ => JsonElementExtensions.Missing,
            };
            table.Add(
                worker.Text("id"),
                worker.Text("url"),
                state,
                worker.Text("inFlight"),
                worker.Text("capacity"),
                worker.Text("modules"),
                Age(worker, "lastHeartbeat", now),
                worker.Time("registeredAt"));
        }

        if (table.RowCount == 1) writer.WriteLine("No workers.");
        else table.WriteTo(writer);
    }

    /// <summary>"3s ago", "5m ago", "2h ago", "4d ago"; "-" when absent.</summary>
    private static string Age(JsonElement element, string name, DateTimeOffset now)
    {
        if (element.Member(name) is not { ValueKind: JsonValueKind.String } value || !value.TryGetDateTimeOffset(out var time)) return JsonElementExtensions.Missing;
        var age = now - time;
        if (age < TimeSpan.Zero) age = TimeSpan.Zero;
        return age.TotalSeconds < 120 ? string.Create(CultureInfo.InvariantCulture, $"{(int)age.TotalSeconds}s ago")
            : age.TotalMinutes < 120 ? string.Create(CultureInfo.InvariantCulture, $"{(int)age.TotalMinutes}m ago")
            : age.TotalHours < 48 ? string.Create(CultureInfo.InvariantCulture, $"{(int)age.TotalHours}h ago")
            : string.Create(CultureInfo.InvariantCulture, $"{(int)age.TotalDays}d ago");
    }
}
