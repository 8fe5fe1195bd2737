namespace Platform.Testing.Faults;

/// <summary>What a fault scenario saw: load statistics per phase and facts in sentences (for the results file).</summary>
public sealed class FaultReport(string title)
{
    private readonly List<(string Phase, LoadStats Stats)> _phases = [];
    private readonly List<string> _facts = [];

    public string Title { get; } = title;

    public IReadOnlyList<(string Phase, LoadStats Stats)> Phases => _phases;

    public IReadOnlyList<string> Facts => _facts;

    public LoadStats Phase(string name, IEnumerable<Sample> samples)
    {
        var stats = LoadStats.Of(samples);
        _phases.Add((name, stats));
        return stats;
    }

    public void Fact(string text) => _facts.Add(text);

    public override string ToString() =>
        $"{Title}\n{string.Join("\n", _phases.Select(p => string.Join(" | ", p.Stats.Row(p.Phase))))}\n{string.Join("\n", _facts.Select(f => "- " + f))}";
}
