using Platform.Contracts.V1;
using Platform.Hosting.Telemetry;
using Platform.Hosting.Wire;
using Platform.Runtime;

namespace Platform.Worker.Tests;

/// <summary>Every function outcome crosses the internal wire and comes back as itself; an unknown one is refused, not guessed.</summary>
public sealed class OutcomeWireTests
{
    [Fact]
    public void EveryOutcome_RoundTrips_ToADistinctWireValue()
    {
        var wire = new HashSet<InvocationOutcome>();
        foreach (var outcome in Enum.GetValues<Outcome>())
        {
            var sent = outcome.ToWire();
            Assert.NotEqual(InvocationOutcome.Unspecified, sent);
            Assert.True(wire.Add(sent), $"{outcome} shares {sent}");
            Assert.True(sent.TryFromWire(out var received));
            Assert.Equal(outcome, received);
        }

        Assert.Equal(Enum.GetValues<InvocationOutcome>().Length - 1, wire.Count);
    }

    [Theory]
    [InlineData(InvocationOutcome.Unspecified)]
    [InlineData((InvocationOutcome)99)]
    public void UnknownWireOutcome_IsNotAnOutcome(InvocationOutcome wire) =>
        Assert.False(wire.TryFromWire(out _));
}

/// <summary>The metrics' outcome label is the outcome's code in lower case, for every outcome.</summary>
public sealed class OutcomeLabelTests
{
    [Fact]
    public void EveryOutcome_LabelIsItsCodeInLowerCase_TheSameInstanceEachTime()
    {
        foreach (var outcome in Enum.GetValues<Outcome>())
        {
            Assert.Equal(outcome.ToCode().ToLowerInvariant(), outcome.ToLabel());
            Assert.Same(outcome.ToLabel(), outcome.ToLabel());
        }
    }
}
