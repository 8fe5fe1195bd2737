using System.Text;
using Platform.Runtime.Replay;
using Platform.Testing;

namespace Platform.Runtime.Tests;

/// <summary>Recording what the host serves, and serving it again: the replayed run is the recorded one, to the unit of fuel.</summary>
public sealed class ReplayTests : IDisposable
{
    private static readonly InvocationLimits Limits = InvocationLimits.Default with { Fuel = 2_000_000, MaxOutputBytes = 4096 };

    private readonly TestSandbox _sandbox = new();

    public static TheoryData<string, string> Guests => new()
    {
        { ReplayWat.Ok, "OK" },
        { ReplayWat.Spin, "OUT_OF_FUEL" },
        { ReplayWat.Exit, "EXIT_NONZERO" },
        { ReplayWat.Flood, "OUTPUT_LIMIT" },
    };

    [Theory]
    [MemberData(nameof(Guests))]
    public void Replay_OfARecordedRun_IsIdentical(string wat, string outcome)
    {
        var module = _sandbox.Compile(wat);
        var production = Run(module, record: true);
        Assert.Equal(outcome, production.Outcome.ToCode());
        var recording = Assert.IsType<HostRecording>(production.Recording);
        Assert.Single(recording.Clocks);
        Assert.Equal(8, recording.Random.Length);

        var replay = Run(module, replay: recording);

        AssertIdentical(production, replay);
        Assert.Null(replay.Recording);
    }

    [Fact]
    public void Replay_OfTheClockAndRandomTrap_ReproducesTrapAndOk_EachWithItsFuel()
    {
        var module = _sandbox.Compile(ReplayWat.TrapOnOdd);
        var seen = new Dictionary<string, InvocationResult>();
        // x is odd or even with even odds: 64 runs without both would be a 1 in 2^63 event.
        for (var i = 0; i < 64 && seen.Count < 2; i++)
        {
            var run = Run(module, record: true);
            seen.TryAdd(run.Outcome.ToCode(), run);
        }

        Assert.Equal(["OK", "TRAP"], seen.Keys.Order());
        foreach (var production in seen.Values)
            AssertIdentical(production, Run(module, replay: production.Recording));

        // Each recording decides its own end, whichever order they are replayed in.
        Assert.Equal("OK", Run(module, replay: seen["OK"].Recording).Outcome.ToCode());
        Assert.Equal("TRAP", Run(module, replay: seen["TRAP"].Recording).Outcome.ToCode());
    }

    [Fact]
    public void TwoRecordedRuns_Differ_SoTheReplayedValuesAreTheOnesServed()
    {
        var module = _sandbox.Compile(ReplayWat.Ok);
        var first = Run(module, record: true);
        var second = Run(module, record: true);

        // The output is the 8 random bytes: equal only once in 2^64.
        Assert.NotEqual(first.Output.ToArray(), second.Output.ToArray());
        Assert.Equal(first.Output.ToArray(), Run(module, replay: first.Recording).Output.ToArray());
        Assert.Equal(second.Output.ToArray(), Run(module, replay: second.Recording).Output.ToArray());
    }

    [Fact]
    public void Replay_AskingForMoreThanRecorded_StopsAsADivergence()
    {
        var module = _sandbox.Compile(ReplayWat.Ok);

        var replay = Run(module, replay: new HostRecording([42], new byte[3]));

        Assert.Equal(Outcome.Trap, replay.Outcome);
        Assert.Equal("replay diverged: the guest drew more random bytes than the 3 recorded", replay.Message);
    }

    [Fact]
    public void Trace_ShowsEveryServedValueAndStdioCall_InOrder()
    {
        var module = _sandbox.Compile(ReplayWat.Exit);
        var production = Run(module, record: true);
        var calls = new List<HostCall>();

        var replay = _sandbox.Executor.Invoke(module, new InvocationRequest { Args = ["f"], Limits = Limits, Replay = production.Recording, Trace = calls.Add });

        AssertIdentical(production, replay);
        var x = production.ExitCode!.Value - 1;
        Assert.Equal(
            [
                new HostCall("clock_time_get", $"clock 0 -> {production.Recording!.Clocks[0]}"),
                new HostCall("random_get", "8 bytes " + Convert.ToHexStringLower(production.Recording.Random.Span)),
                new HostCall("fd_write", $"stderr {x} bytes"),
                new HostCall("proc_exit", (x + 1).ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ],
            calls);
    }

    [Fact]
    public void Recording_IsOnlyKeptWhenAskedFor()
    {
        var module = _sandbox.Compile(ReplayWat.Ok);

        Assert.Null(Run(module, record: false).Recording);
    }

    public void Dispose() => _sandbox.Dispose();

    private InvocationResult Run(CompiledModule module, bool record = false, HostRecording? replay = null) =>
        _sandbox.Executor.Invoke(module, new InvocationRequest
        {
            Input = Encoding.UTF8.GetBytes("input"),
            Args = ["f"],
            Env = [new("A", "1")],
            Limits = Limits,
            Record = record,
            Replay = replay,
        });

    private static void AssertIdentical(InvocationResult production, InvocationResult replay)
    {
        Assert.Equal(production.Outcome, replay.Outcome);
        Assert.Equal(production.ExitCode, replay.ExitCode);
        Assert.Equal(production.Message, replay.Message);
        Assert.Equal(production.Output.ToArray(), replay.Output.ToArray());
        Assert.Equal(production.Logs.ToArray(), replay.Logs.ToArray());
        Assert.Equal(production.FuelConsumed, replay.FuelConsumed);
    }
}
