using System.Text.Json;
using Platform.Testing;

namespace Platform.Cli.Tests.Live;

/// <summary>
/// <c>platformctl replay</c>: an invocation fails in production (a real control plane and worker),
/// and this separate process, with its own engine, reproduces it to the unit of fuel.
/// </summary>
[Collection(LiveCollection.Name)]
public sealed class ReplayCommandTests(PostgresFixture postgres)
{
    [Fact]
    public async Task Replay_OfAFailureDecidedByClockAndRandom_ReproducesTheTrapAndItsFuel()
    {
        await using var platform = await LivePlatform.StartAsync(postgres);
        await platform.DeployAsync("dice", ReplayWat.TrapOnOdd, """{"record":"failures"}""");

        // x = (clock ^ random) & 0xFF decides: odd traps. 64 tries without both ends: 1 in 2^63.
        var runs = new List<(string Id, string Outcome, long Fuel)>();
        for (var i = 0; i < 64 && runs.Select(r => r.Outcome).Distinct().Count() < 2; i++)
            runs.Add(await platform.InvokeAsync("dice"));
        var trapped = runs.First(r => r.Outcome == "TRAP");
        var ok = runs.First(r => r.Outcome == "OK");
        await platform.WaitForHistoryAsync(trapped.Id, ok.Id);

        var human = await platform.CtlAsync("replay", trapped.Id, "--trace");
        Assert.True(human.ExitCode == 0, human.Stdout + human.Stderr);
        Assert.Contains("Identical: the replay reproduced production exactly.", human.Stdout);
        Assert.Matches("(?m)^  clock_time_get +clock 0 -> [0-9]+$", human.Stdout);
        Assert.Matches("(?m)^  random_get +8 bytes [0-9a-f]{16}$", human.Stdout);
        Assert.Matches($"(?m)^fuel +{trapped.Fuel} +{trapped.Fuel} +identical$", human.Stdout);

        var json = await platform.CtlAsync("replay", trapped.Id, "--json");
        Assert.True(json.ExitCode == 0, json.Stdout + json.Stderr);
        var result = JsonDocument.Parse(json.Stdout).RootElement;
        Assert.True(result.GetProperty("identical").GetBoolean());
        Assert.Empty(result.GetProperty("differences").EnumerateArray());
        foreach (var side in new[] { "production", "replay" })
        {
            Assert.Equal("TRAP", result.GetProperty(side).GetProperty("outcome").GetString());
            Assert.Equal(trapped.Fuel, result.GetProperty(side).GetProperty("fuelConsumed").GetInt64());
        }

        Assert.Equal(result.GetProperty("production").GetProperty("message").GetString(), result.GetProperty("replay").GetProperty("message").GetString());
        Assert.Equal(result.GetProperty("production").GetProperty("logs").GetString(), result.GetProperty("replay").GetProperty("logs").GetString());

        // "failures" keeps no recording of the OK run.
        var notRecorded = await platform.CtlAsync("replay", ok.Id);
        Assert.Equal(ExitCodes.NotFound, notRecorded.ExitCode);
        Assert.Contains("has no recording", notRecorded.Stderr);
    }

    public static TheoryData<string, string> Outcomes => new()
    {
        { ReplayWat.Ok, "OK" },
        { ReplayWat.Spin, "OUT_OF_FUEL" },
        { ReplayWat.Exit, "EXIT_NONZERO" },
        { ReplayWat.Flood, "OUTPUT_LIMIT" },
    };

    [Theory]
    [MemberData(nameof(Outcomes))]
    public async Task Replay_OfEachOutcome_IsIdentical(string wat, string outcome)
    {
        await using var platform = await LivePlatform.StartAsync(postgres);
        await platform.DeployAsync("f", wat, """{"record":"all","fuel":3000000}""");
        var production = await platform.InvokeAsync("f", "some input");
        Assert.Equal(outcome, production.Outcome);
        await platform.WaitForHistoryAsync(production.Id);

        var replay = await platform.CtlAsync("replay", production.Id, "--json");

        Assert.True(replay.ExitCode == 0, replay.Stdout + replay.Stderr);
        var result = JsonDocument.Parse(replay.Stdout).RootElement;
        Assert.True(result.GetProperty("identical").GetBoolean(), replay.Stdout);
        Assert.Equal(outcome, result.GetProperty("replay").GetProperty("outcome").GetString());
        Assert.Equal(production.Fuel, result.GetProperty("replay").GetProperty("fuelConsumed").GetInt64());
        Assert.Equal(
            result.GetProperty("production").GetProperty("outputBase64").GetString(),
            result.GetProperty("replay").GetProperty("outputBase64").GetString());
    }
}
