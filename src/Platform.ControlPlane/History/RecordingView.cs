namespace Platform.ControlPlane.History;

/// <summary>What production gave, to compare a replay with.</summary>
internal sealed record ProductionResult(string Outcome, int? ExitCode, string? Message, long FuelConsumed, byte[] Output, byte[] Logs, bool LogsTruncated);

/// <summary>
/// A recording as the REST API serves it (bytes as base64): everything <c>platformctl replay</c>
/// needs to run the invocation again, and production's result.
/// </summary>
internal sealed record RecordingView(
    string InvocationId,
    string Function,
    int Version,
    string ModuleSha256,
    byte[] Input,
    long[] Clocks,
    byte[] Random,
    string[] Args,
    string[] Env,
    RecordedLimits Limits,
    ProductionResult Production)
{
    public static RecordingView From(InvocationRecord record, InvocationRecording recording) => new(
        record.Id,
        record.Function,
        record.Version,
        recording.ModuleSha256,
        recording.Input,
        recording.Clocks,
        recording.Random,
        recording.Args,
        recording.Env,
        recording.Limits,
        new ProductionResult(record.Outcome, record.ExitCode, record.Message, record.FuelConsumed, recording.Output, record.Logs, record.LogsTruncated));
}
