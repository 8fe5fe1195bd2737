using Platform.Runtime;

namespace Platform.Cli;

/// <summary>
/// Process exit codes, one per outcome, so scripts can branch on them. 1 is an unexpected
/// failure of the tool itself; 2 a command line that does not parse.
/// </summary>
internal static class ExitCodes
{
    public const int Ok = 0;
    public const int Failure = 1;
    public const int Usage = 2;
    public const int InvalidArgument = 20;
    public const int PayloadTooLarge = 28;

    public static int For(Outcome outcome) => outcome switch
    {
        Outcome.Ok => Ok,
        Outcome.OutOfFuel => 10,
        Outcome.Timeout => 11,
        Outcome.MemoryLimit => 12,
        Outcome.Trap => 13,
        Outcome.ExitNonzero => 14,
        Outcome.OutputLimit => 15,
        Outcome.InvalidModule => 16,
        _ => Failure,
    };
}
