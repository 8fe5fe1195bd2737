using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Platform.Cli.Remote;

namespace Platform.Cli.History;

/// <summary>
/// <c>platformctl logs FUNCTION [--follow] [--outcome X] [--limit N] [--json]</c>: the function's
/// recent invocations with their logs, oldest first, each headed by id, time, version, outcome
/// and duration; with <c>--follow</c> then each new one as it ends (from every control plane),
/// until Ctrl-C. <c>--json</c> prints one JSON object per invocation per line.
/// </summary>
internal static class LogsCommand
{
    public static Command Create()
    {
        var function = new Argument<string>("FUNCTION") { Description = "The function whose invocations to show." };
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep showing new invocations as they end, until Ctrl-C." };
        var outcome = new Option<string?>("--outcome") { Description = "Only this outcome (OK, TRAP, OUT_OF_FUEL, ...).", HelpName = "OUTCOME" };
        var limit = new Option<int>("--limit") { Description = "How many recent invocations to show first (0-200).", DefaultValueFactory = _ => 20, HelpName = "N" };
        var command = new Command("logs", "A function's recent invocations with their logs (stderr), and with --follow each new one as it ends.")
        {
            function, follow, outcome, limit,
        };
        command.SetRemoteAction(Timeout.InfiniteTimeSpan, async (parse, call) =>
        {
            var n = parse.GetValue(limit);
            if (n is < 0 or > 200) return await call.UsageAsync(["--limit must be from 0 to 200"]);
            var name = parse.GetRequiredValue(function);
            var filter = parse.GetValue(outcome);
            var shown = new HashSet<string>(StringComparer.Ordinal);
            DateTimeOffset? newest = null;
            if (n > 0)
            {
                using var page = JsonDocument.Parse(await call.CallAsync(HttpMethod.Get, InvocationsCommand.ListPath(name, filter, null, null, n)));
                foreach (var item in page.RootElement.Items("invocations").Reverse())
                {
                    await WriteAsync(call, item);
                    shown.Add(item.Text("id"));
                    if (item.Member("endedAt") is { ValueKind: JsonValueKind.String } ended && ended.TryGetDateTimeOffset(out var at)) newest = at;
                }
            }

            await call.FlushAsync();
            if (!parse.GetValue(follow)) return ExitCodes.Ok;
            try
            {
                await FollowAsync(call, StreamPath(name, filter, newest), shown);
            }
            catch (OperationCanceledException) when (call.CancellationToken.IsCancellationRequested)
            {
                // Ctrl-C: the normal end of --follow.
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    internal static string StreamPath(string function, string? outcome, DateTimeOffset? since)
    {
        var query = new List<string> { "function=" + Uri.EscapeDataString(function) };
        if (outcome is not null) query.Add("outcome=" + Uri.EscapeDataString(outcome));
        if (since is { } at) query.Add("since=" + Uri.EscapeDataString(at.ToString("O", CultureInfo.InvariantCulture)));
        return "v1/invocations/stream?" + string.Join('&', query);
    }

    /// <summary>Reads the server-sent events of a tail and prints each invocation not shown yet.</summary>
    private static async Task FollowAsync(RemoteCall call, string path, HashSet<string> shown)
    {
        using var response = await call.Client.SendAsync(HttpMethod.Get, path, null, call.CancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            var body = await call.Client.ReadBodyAsync(response, call.CancellationToken);
            throw new RemoteException(ApiProblem.FromResponse(response.StatusCode, response.Content.Headers.ContentType?.MediaType, body));
        }

        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(call.CancellationToken), Encoding.UTF8);
        string? name = null;
        var data = new StringBuilder();
        while (await reader.ReadLineAsync(call.CancellationToken) is { } line)
        {
            if (line.Length == 0)
            {
                if (data.Length > 0) await EventAsync(call, name, data.ToString(), shown);
                name = null;
                data.Clear();
            }
            else if (line.StartsWith("event:", StringComparison.Ordinal)) name = line[6..].Trim();
            else if (line.StartsWith("data:", StringComparison.Ordinal)) data.Append(line.AsSpan(5).TrimStart());
        }
    }

    private static async Task EventAsync(RemoteCall call, string? name, string data, HashSet<string> shown)
    {
        using var document = JsonDocument.Parse(data);
        var root = document.RootElement;
        if (name == "dropped")
        {
            await call.Error.WriteLineAsync($"platformctl: {root.Text("dropped")} invocations were skipped so far: this terminal did not keep up");
            return;
        }

        if (name != "invocation" || !shown.Add(root.Text("id"))) return;
        await WriteAsync(call, root);
        await call.FlushAsync();
    }

    /// <summary>A header line (id, time, version, outcome, duration), then the logs; with --json the record on one line.</summary>
    private static async Task WriteAsync(RemoteCall call, JsonElement item)
    {
        if (call.Json)
        {
            await call.Out.WriteLineAsync(item.GetRawText());
            return;
        }

        await call.Out.WriteLineAsync(
            $"=== {item.Text("id")}  {item.Time("endedAt")}  v{item.Text("version")}  {InvocationsCommand.Outcome(item)}  {InvocationsCommand.Duration(item)}");
        var logs = item.String("logs") ?? "";
        if (logs.Length > 0) await call.Out.WriteAsync(logs.EndsWith('\n') ? logs : logs + "\n");
        if (item.Member("logsTruncated") is { ValueKind: JsonValueKind.True }) await call.Out.WriteLineAsync("[logs truncated]");
    }
}
