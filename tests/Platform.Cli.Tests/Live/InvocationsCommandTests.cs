using System.Text.Json;
using Platform.Testing;

namespace Platform.Cli.Tests.Live;

/// <summary><c>platformctl invocations</c> against a real control plane and worker.</summary>
[Collection(LiveCollection.Name)]
public sealed class InvocationsCommandTests(PostgresFixture postgres)
{
    private const string Exit3 = """
        (module
          (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
          (memory (export "memory") 1)
          (data (i32.const 64) "bad input\n")
          (func (export "_start")
            (i32.store (i32.const 0) (i32.const 64))
            (i32.store (i32.const 4) (i32.const 10))
            (drop (call $fd_write (i32.const 2) (i32.const 0) (i32.const 1) (i32.const 8)))
            (call $proc_exit (i32.const 3))))
        """;

    private const string Ok = """(module (memory (export "memory") 1) (func (export "_start")))""";

    [Fact]
    public async Task Invocations_ListsFiltersAndShowsOne_WithItsLogs()
    {
        await using var platform = await LivePlatform.StartAsync(postgres);
        await platform.DeployAsync("ok", Ok);
        await platform.DeployAsync("exit", Exit3);
        var ok = await platform.InvokeAsync("ok");
        var failed = await platform.InvokeAsync("exit", "xyz");
        await platform.WaitForHistoryAsync(ok.Id, failed.Id);

        var list = await platform.CtlAsync("invocations");
        Assert.True(list.ExitCode == 0, list.Stderr);
        var lines = list.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.Matches("^ID +ENDED +FUNCTION +VERSION +OUTCOME +DURATION +FUEL$", lines[0]);
        Assert.Matches($"^{failed.Id} +\\S+ \\S+Z +exit +1 +EXIT_NONZERO \\(3\\) +[0-9.]+ ms +{failed.Fuel}$", lines[1]);
        Assert.Matches($"^{ok.Id} +\\S+ \\S+Z +ok +1 +OK +[0-9.]+ ms +{ok.Fuel}$", lines[2]);

        var filtered = await platform.CtlAsync("invocations", "--outcome", "exit_nonzero", "--json");
        Assert.True(filtered.ExitCode == 0, filtered.Stderr);
        var items = JsonDocument.Parse(filtered.Stdout).RootElement.GetProperty("invocations");
        Assert.Equal(failed.Id, Assert.Single(items.EnumerateArray()).GetProperty("id").GetString());
        var byFunction = await platform.CtlAsync("invocations", "--function", "ok", "--json");
        Assert.Equal(ok.Id, Assert.Single(JsonDocument.Parse(byFunction.Stdout).RootElement.GetProperty("invocations").EnumerateArray()).GetProperty("id").GetString());

        var one = await platform.CtlAsync("invocations", "get", failed.Id);
        Assert.True(one.ExitCode == 0, one.Stderr);
        Assert.Contains($"Id        {failed.Id}\n", one.Stdout);
        Assert.Contains("Function  exit@1\n", one.Stdout);
        Assert.Contains("Outcome   EXIT_NONZERO (3)\n", one.Stdout);
        Assert.Contains($"Fuel      {failed.Fuel}\n", one.Stdout);
        Assert.Contains("Input     3 bytes\n", one.Stdout);
        Assert.EndsWith("\nLogs:\nbad input\n", one.Stdout);
    }

    [Fact]
    public async Task Invocations_UnknownOrMalformedId_AndBadFilters_ExitWithTheirCodes()
    {
        await using var platform = await LivePlatform.StartAsync(postgres);

        var missing = await platform.CtlAsync("invocations", "get", new string('a', 32));
        Assert.Equal(ExitCodes.NotFound, missing.ExitCode);
        Assert.Contains("NOT_FOUND", missing.Stderr);
        var malformed = await platform.CtlAsync("invocations", "get", "../../v1/tenants");
        Assert.Equal(ExitCodes.InvalidArgument, malformed.ExitCode);
        var outcome = await platform.CtlAsync("invocations", "--outcome", "EXPLODED");
        Assert.Equal(ExitCodes.InvalidArgument, outcome.ExitCode);
        Assert.Contains("outcome", outcome.Stderr);
        var limit = await platform.CtlAsync("invocations", "--limit", "0");
        Assert.Equal(ExitCodes.Usage, limit.ExitCode);
        var anonymous = await PlatformCtlProcess.RunAsync([], platform.Environment("not-a-key"), "invocations");
        Assert.Equal(ExitCodes.Unauthenticated, anonymous.ExitCode);
    }
}
