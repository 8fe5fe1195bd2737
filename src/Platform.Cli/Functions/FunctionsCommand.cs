using System.CommandLine;
using Platform.Cli.Remote;

namespace Platform.Cli.Functions;

/// <summary><c>platformctl functions list|get|delete</c> (tenant key).</summary>
internal static class FunctionsCommand
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public static Command Create()
    {
        var list = new Command("list", "List the tenant's functions.");
        list.SetRemoteAction(Timeout, async (_, call) =>
            await call.PrintAsync(await call.CallAsync(HttpMethod.Get, "v1/functions"), FunctionViews.WriteList));

        var getName = new Argument<string>("NAME") { Description = "The function's name." };
        var get = new Command("get", "Show a function with its versions (configuration pinned with each) and aliases.") { getName };
        get.SetRemoteAction(Timeout, async (parse, call) =>
        {
            var path = $"v1/functions/{PlatformClient.Segment(parse.GetRequiredValue(getName))}";
            return await call.PrintAsync(await call.CallAsync(HttpMethod.Get, path), FunctionViews.WriteDetails);
        });

        var deleteName = new Argument<string>("NAME") { Description = "The function's name." };
        var delete = new Command("delete", "Delete a function with every version and alias.") { deleteName };
        delete.SetRemoteAction(Timeout, async (parse, call) =>
        {
            var target = parse.GetRequiredValue(deleteName);
            await call.CallAsync(HttpMethod.Delete, $"v1/functions/{PlatformClient.Segment(target)}");
            if (!call.Json) await call.Out.WriteLineAsync($"Deleted function {target}.");
            return ExitCodes.Ok;
        });

        return new Command("functions", "Manage the tenant's functions.") { list, get, delete };
    }
}
