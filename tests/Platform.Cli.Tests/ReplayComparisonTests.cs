using System.Text;
using Platform.Cli.Replay;
using Platform.Runtime;

namespace Platform.Cli.Tests;

public sealed class ReplayComparisonTests
{
    private static readonly Recorded Production = new(
        "0123456789abcdef0123456789abcdef", "f", 2, new string('a', 64), [], [1], [2], ["f"], [], InvocationLimits.Default,
        Outcome.Trap, null, "wasm trap: unreachable", 1234, Encoding.UTF8.GetBytes("out"), Encoding.UTF8.GetBytes("log"));

    [Fact]
    public void Comparison_OfTheSameResult_IsIdentical()
    {
        var comparison = new ReplayComparison(Production, Result(), null);

        Assert.True(comparison.Identical);
        var text = new StringWriter { NewLine = "\n" };
        comparison.WriteTo(text);
        Assert.Equal(
            """
            Replay of 0123456789abcdef0123456789abcdef (f@2, module aaaaaaaaaaaa)
                       PRODUCTION  REPLAY
            outcome    TRAP        TRAP     identical
            exit code  -           -        identical
            fuel       1234        1234     identical
            output     3 bytes     3 bytes  identical
            logs       3 bytes     3 bytes  identical
            Identical: the replay reproduced production exactly.

            """.ReplaceLineEndings("\n"),
            text.ToString());
    }

    [Fact]
    public void Comparison_NamesEveryFieldThatDiffers()
    {
        var comparison = new ReplayComparison(Production, Result() with { FuelConsumed = 1235, Logs = Encoding.UTF8.GetBytes("lag") }, null);

        Assert.False(comparison.Identical);
        Assert.Equal(["logs", "fuelConsumed"], comparison.Differences);
        var text = new StringWriter { NewLine = "\n" };
        comparison.WriteTo(text);
        Assert.Contains("fuel       1234        1235     DIFFERS\n", text.ToString());
        Assert.EndsWith("Different: logs, fuelConsumed.\n", text.ToString());
    }

    private static InvocationResult Result() => new()
    {
        Outcome = Outcome.Trap,
        Message = "wasm trap: unreachable",
        FuelConsumed = 1234,
        Output = Encoding.UTF8.GetBytes("out"),
        Logs = Encoding.UTF8.GetBytes("log"),
    };
}
