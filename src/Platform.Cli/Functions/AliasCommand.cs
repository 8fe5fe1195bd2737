using System.CommandLine;
using System.Text.Json;
using Platform.Cli.Remote;

namespace Platform.Cli.Functions;

/// <summary><c>platformctl alias set NAME ALIAS VERSION</c>: PUT /v1/functions/NAME/aliases/ALIAS.</summary>
internal static class AliasCommand
{
    public static Command Create()
    {
        var name = new Argument<string>("NAME") { Description = "The function's name." };
        var alias = new Argument<string>("ALIAS") { Description = "The alias (not 'latest', which the platform moves, and not a number)." };
        var version = new Argument<int>("VERSION") { Description = "The version it points at." };
        var set = new Command("set", "Point an alias at a version; invoke it as NAME@ALIAS.") { name, alias, version };
        set.SetRemoteAction(FunctionsCommand.Timeout, async (parse, call) =>
        {
            var number = parse.GetValue(version);
            if (number <= 0) return await call.UsageAsync(["VERSION must be a positive version number"]);
            using var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(new { version = number }));
            content.Headers.ContentType = new("application/json");
            var path = $"v1/functions/{PlatformClient.Segment(parse.GetRequiredValue(name))}/aliases/{PlatformClient.Segment(parse.GetRequiredValue(alias))}";
            return await call.PrintAsync(await call.CallAsync(HttpMethod.Put, path, content), FunctionViews.WriteAlias);
        });

        return new Command("alias", "Manage a function's aliases.") { set };
    }
}
