using V1 = Platform.Contracts.V1;

namespace Platform.ControlPlane.History;

/// <summary>The limits a recorded invocation ran under, exactly as the worker's sandbox applied them.</summary>
internal sealed record RecordedLimits(long Fuel, int MemoryMb, int TimeoutMs, int MaxOutputBytes, int MaxLogBytes);

/// <summary>
/// What a replay needs to run an invocation again: the module, the input, what the host served
/// (clock readings and random bytes, in order), the args, environment and limits, and the output
/// production gave (to compare with).
/// </summary>
internal sealed record InvocationRecording(
    string ModuleSha256,
    byte[] Input,
    byte[] Output,
    long[] Clocks,
    byte[] Random,
    string[] Args,
    string[] Env,
    RecordedLimits Limits)
{
    /// <summary>Bytes counted against the tenant's recording and storage quotas.</summary>
    public long SizeBytes => Input.Length + Output.Length + Random.Length + (8L * Clocks.Length)
        + Args.Sum(a => (long)a.Length) + Env.Sum(e => (long)e.Length);

    public static InvocationRecording From(string moduleSha256, ReadOnlyMemory<byte> input, ReadOnlyMemory<byte> output, V1.HostRecording recording) => new(
        moduleSha256,
        input.ToArray(),
        output.ToArray(),
        recording.Clocks.ToArray(),
        recording.Random.ToByteArray(),
        recording.Args.ToArray(),
        recording.Env.ToArray(),
        new RecordedLimits(recording.Limits.Fuel, recording.Limits.MemoryMb, recording.Limits.TimeoutMs, recording.Limits.MaxOutputBytes, recording.Limits.MaxLogBytes));
}
