using System.CommandLine;
using Platform.Cli.Run;

namespace Platform.Cli;

/// <summary>The command tree of <c>platformctl</c>.</summary>
internal static class PlatformCtl
{
    public static RootCommand Build()
    {
        var root = new RootCommand("platformctl: run WebAssembly functions locally and manage a Platform deployment.");
        root.Subcommands.Add(RunCommand.Create());
        return root;
    }
}
