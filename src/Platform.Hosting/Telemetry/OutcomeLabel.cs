using Platform.Runtime;

namespace Platform.Hosting.Telemetry;

/// <summary>
/// The <c>outcome</c> label of the invocation metrics: the outcome's code in lower case, made once
/// per outcome rather than once per invocation.
/// </summary>
public static class OutcomeLabel
{
    private static readonly string[] Labels = Enum.GetValues<Outcome>().Select(o => o.ToCode().ToLowerInvariant()).ToArray();

    public static string ToLabel(this Outcome outcome) =>
        (uint)outcome < (uint)Labels.Length ? Labels[(int)outcome] : outcome.ToCode().ToLowerInvariant();
}
