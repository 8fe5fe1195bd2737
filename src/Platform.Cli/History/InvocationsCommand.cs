using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Platform.Cli.Remote;

namespace Platform.Cli.History;

/// <summary>
/// <c>platformctl invocations [--function F] [--outcome X] [--since T] [--until T] [--limit N]</c>
/// (the newest invocations of the key's tenant) and <c>platformctl invocations get ID</c>.
/// </summary>
internal static class InvocationsCommand
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public static Command Create()
    {
        var function = new Option<string?>("--function") { Description = "Only this function's invocations.", HelpName = "NAME" };
        var outcome = new Option<string?>("--outcome") { Description = "Only this outcome (OK, TRAP, OUT_OF_FUEL, TIMEOUT, MEMORY_LIMIT, EXIT_NONZERO, OUTPUT_LIMIT, INVALID_MODULE).", HelpName = "OUTCOME" };
        var since = new Option<string?>("--since") { Description = "Only invocations that ended at or after this ISO-8601 time.", HelpName = "TIME" };
        var until = new Option<string?>("--until") { Description = "Only invocations that ended before this ISO-8601 time.", HelpName = "TIME" };
        var limit = new Option<int>("--limit") { Description = "How many of the newest to show (1-200).", DefaultValueFactory = _ => 50, HelpName = "N" };
        var command = new Command("invocations", "The tenant's recent invocations, newest first: id, time, function, version, outcome, duration, fuel. Records appear about a second after an invocation ends.")
        {
            function, outcome, since, until, limit,
        };
        command.SetRemoteAction(Timeout, async (parse, call) =>
        {
            var n = parse.GetValue(limit);
            if (n is < 1 or > 200) return await call.UsageAsync(["--limit must be from 1 to 200"]);
            var path = ListPath(parse.GetValue(function), parse.GetValue(outcome), parse.GetValue(since), parse.GetValue(until), n);
            return await call.PrintAsync(await call.CallAsync(HttpMethod.Get, path), WriteList);
        });

        var id = new Argument<string>("ID") { Description = "The invocation id (the Platform-Invocation-Id header of its answer)." };
        var get = new Command("get", "One invocation: outcome, exit code, message, fuel, duration, worker, sizes, and its logs.") { id };
        get.SetRemoteAction(Timeout, async (parse, call) =>
            await call.PrintAsync(await call.CallAsync(HttpMethod.Get, $"v1/invocations/{PlatformClient.Segment(parse.GetRequiredValue(id))}"), WriteOne));
        command.Subcommands.Add(get);
        return command;
    }

    internal static string ListPath(string? function, string? outcome, string? since, string? until, int limit)
    {
        var query = new List<string> { "limit=" + limit.ToString(CultureInfo.InvariantCulture) };
        if (function is not null) query.Add("function=" + Uri.EscapeDataString(function));
        if (outcome is not null) query.Add("outcome=" + Uri.EscapeDataString(outcome));
        if (since is not null) query.Add("since=" + Uri.EscapeDataString(since));
        if (until is not null) query.Add("until=" + Uri.EscapeDataString(until));
        return "v1/invocations?" + string.Join('&', query);
    }

    internal static void WriteList(JsonElement page, TextWriter writer)
    {
        var items = page.Items("invocations").ToList();
        if (items.Count == 0)
        {
            writer.WriteLine("No invocations.");
            return;
        }

        var table = new Table("ID", "ENDED", "FUNCTION", "VERSION", "OUTCOME", "DURATION", "FUEL");
        foreach (var item in items)
            table.Add(item.Text("id"), item.Time("endedAt"), item.Text("function"), item.Text("version"), Outcome(item), Duration(item), item.Text("fuelConsumed"));
        table.WriteTo(writer);
    }

    internal static void WriteOne(JsonElement item, TextWriter writer)
    {
        var table = Table.KeyValue()
            .Add("Id", item.Text("id"))
            .Add("Ended", item.Time("endedAt"))
            .Add("Function", $"{item.Text("function")}@{item.Text("version")}")
            .Add("Trigger", item.Text("trigger"))
            .Add("Outcome", Outcome(item))
            .Add("Fuel", item.Text("fuelConsumed"))
            .Add("Duration", Duration(item))
            .Add("Worker", item.Text("worker"))
            .Add("Input", item.Text("inputBytes") + " bytes")
            .Add("Output", item.Text("outputBytes") + " bytes");
        if (item.String("message") is { } message) table.Add("Message", message);
        table.WriteTo(writer);
        var logs = item.String("logs") ?? "";
        writer.WriteLine();
        writer.WriteLine(item.Member("logsTruncated") is { ValueKind: JsonValueKind.True } ? "Logs (truncated):" : "Logs:");
        writer.Write(logs.Length == 0 ? "(none)\n" : logs.EndsWith('\n') ? logs : logs + "\n");
    }

    /// <summary>"EXIT_NONZERO (3)" with the exit code of a nonzero exit.</summary>
    internal static string Outcome(JsonElement item) =>
        item.Text("outcome") is "EXIT_NONZERO" && item.Long("exitCode") is { } code ? $"EXIT_NONZERO ({code})" : item.Text("outcome");

    internal static string Duration(JsonElement item) =>
        item.Member("durationMs") is { ValueKind: JsonValueKind.Number } ms
            ? ms.GetDouble().ToString("0.###", CultureInfo.InvariantCulture) + " ms"
            : JsonElementExtensions.Missing;
}
