using Platform.Runtime;

namespace Platform.ControlPlane.Invocation;

/// <summary>
/// How one invocation ended, as the control plane answers it on REST and gRPC. <see cref="Output"/>
/// is the worker's answer as received (its own buffer, never reused): the edges write it out
/// without copying it again.
/// </summary>
public sealed record InvocationReply(
    string InvocationId,
    string Function,
    int Version,
    Outcome Outcome,
    ReadOnlyMemory<byte> Output,
    byte[] Logs,
    bool LogsTruncated,
    int? ExitCode,
    string? Message,
    long FuelConsumed,
    long DurationUs,
    string Worker)
{
    public bool IsOk => Outcome == Outcome.Ok;

    /// <summary>The outcome's public code (OK, OUT_OF_FUEL, ...), as REST, gRPC, metrics and usage show it.</summary>
    public string Code => Outcome.ToCode();

    /// <summary>What the worker's host served, when the version records and the worker could keep it.</summary>
    public Contracts.V1.HostRecording? Recording { get; init; }
}
