using System.CommandLine;
using Platform.Cli.Remote;

namespace Platform.Cli.Functions;

/// <summary><c>platformctl functions list|get|delete|delete-version</c> (tenant key).</summary>
internal static class FunctionsCommand
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public static Command Create()
    {
        var list = new Command("list", "List the tenant's functions.");
        list.SetRemoteAction(Timeout, async (_, call) =>
            await call.PrintAsync(await call.CallAllPagesAsync("v1/functions", "functions"), FunctionViews.WriteList));

        var getName = new Argument<string>("NAME") { Description = "The function's name." };
        var get = new Command("get", "Show a function with its versions (configuration pinned with each) and aliases.") { getName };
        get.SetRemoteAction(Timeout, async (parse, call) =>
        {
            var path = $"v1/functions/{PlatformClient.Segment(parse.GetRequiredValue(getName))}";
            return await call.PrintAsync(await call.CallAllPagesAsync(path, "versions"), FunctionViews.WriteDetails);
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

        var versionName = new Argument<string>("NAME") { Description = "The function's name." };
        var versionNumber = new Argument<int>("VERSION") { Description = "The version to delete (not one an alias, 'latest' included, points at)." };
        var deleteVersion = new Command("delete-version", "Delete one version of a function (frees its place under maxVersionsPerFunction).") { versionName, versionNumber };
        deleteVersion.SetRemoteAction(Timeout, async (parse, call) =>
        {
            var target = parse.GetRequiredValue(versionName);
            var number = parse.GetValue(versionNumber);
            if (number <= 0) return await call.UsageAsync(["VERSION must be a positive version number"]);
            await call.CallAsync(HttpMethod.Delete, $"v1/functions/{PlatformClient.Segment(target)}/versions/{number}");
            if (!call.Json) await call.Out.WriteLineAsync($"Deleted version {number} of function {target}.");
            return ExitCodes.Ok;
        });

        return new Command("functions", "Manage the tenant's functions.") { list, get, delete, deleteVersion };
    }
}
