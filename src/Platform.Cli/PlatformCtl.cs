using System.CommandLine;
using Platform.Cli.Functions;
using Platform.Cli.History;
using Platform.Cli.Invoke;
using Platform.Cli.Replay;
using Platform.Cli.Run;
using Platform.Cli.Tenants;
using Platform.Cli.Usage;
using Platform.Cli.Workers;

namespace Platform.Cli;

/// <summary>The command tree of <c>platformctl</c>.</summary>
internal static class PlatformCtl
{
    public static RootCommand Build()
    {
        var root = new RootCommand(
            "platformctl: run WebAssembly functions locally and manage a Platform deployment. "
            + "Remote commands talk to --url (default $PLATFORM_URL, else http://127.0.0.1:8080) with --api-key (default $PLATFORM_API_KEY).");
        root.Subcommands.Add(RunCommand.Create());
        root.Subcommands.Add(DeployCommand.Create());
        root.Subcommands.Add(InvokeCommand.Create());
        root.Subcommands.Add(FunctionsCommand.Create());
        root.Subcommands.Add(AliasCommand.Create());
        root.Subcommands.Add(TenantsCommand.Create());
        root.Subcommands.Add(KeysCommand.Create());
        root.Subcommands.Add(QuotasCommand.Create());
        root.Subcommands.Add(WorkersCommand.Create());
        root.Subcommands.Add(UsageCommand.Create());
        root.Subcommands.Add(InvocationsCommand.Create());
        root.Subcommands.Add(ReplayCommand.Create());
        root.Subcommands.Add(LogsCommand.Create());
        return root;
    }

    /// <summary>Parses and runs; a command line that does not parse exits with <see cref="ExitCodes.Usage"/> after the parser's message.</summary>
    public static async Task<int> InvokeAsync(string[] args)
    {
        var parse = Build().Parse(args);
        var exit = await parse.InvokeAsync();
        return parse.Errors.Count > 0 ? ExitCodes.Usage : exit;
    }
}
