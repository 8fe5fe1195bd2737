using System.Globalization;
using System.Text;
using System.Text.Json;
using Platform.Cli.Remote;
using Platform.Runtime;
using Platform.Runtime.Replay;

namespace Platform.Cli.Replay;

/// <summary>Production's result beside the replay's: what is identical, what differs.</summary>
internal sealed class ReplayComparison(Recorded production, InvocationResult replay, IReadOnlyList<HostCall>? trace)
{
    /// <summary>The fields that differ, by name: outcome, exitCode, output, logs, fuelConsumed.</summary>
    public IReadOnlyList<string> Differences { get; } = Compare(production, replay);

    public bool Identical => Differences.Count == 0;

    private static List<string> Compare(Recorded production, InvocationResult replay)
    {
        var differences = new List<string>();
        if (production.Outcome != replay.Outcome) differences.Add("outcome");
        if (production.ExitCode != replay.ExitCode) differences.Add("exitCode");
        if (!production.Output.AsSpan().SequenceEqual(replay.Output.Span)) differences.Add("output");
        if (!production.Logs.AsSpan().SequenceEqual(replay.Logs.Span)) differences.Add("logs");
        if (production.FuelConsumed != replay.FuelConsumed) differences.Add("fuelConsumed");
        return differences;
    }

    public void WriteTo(TextWriter writer)
    {
        if (trace is not null)
        {
            writer.WriteLine("Host calls:");
            var calls = new Table(string.Empty, string.Empty);
            foreach (var call in trace) calls.Add("  " + call.Name, call.Detail);
            calls.WriteTo(writer);
            writer.WriteLine();
        }

        writer.WriteLine($"Replay of {production.InvocationId} ({production.Function}@{production.Version.ToString(CultureInfo.InvariantCulture)}, module {production.ModuleSha256[..12]})");
        var table = new Table("", "PRODUCTION", "REPLAY", "");
        table.Add("outcome", production.Outcome.ToCode(), replay.Outcome.ToCode(), Mark("outcome"));
        table.Add("exit code", Code(production.ExitCode), Code(replay.ExitCode), Mark("exitCode"));
        table.Add("fuel", production.FuelConsumed.ToString(CultureInfo.InvariantCulture), replay.FuelConsumed.ToString(CultureInfo.InvariantCulture), Mark("fuelConsumed"));
        table.Add("output", Bytes(production.Output.Length), Bytes(replay.Output.Length), Mark("output"));
        table.Add("logs", Bytes(production.Logs.Length), Bytes(replay.Logs.Length), Mark("logs"));
        table.WriteTo(writer);
        writer.WriteLine(Identical
            ? "Identical: the replay reproduced production exactly."
            : $"Different: {string.Join(", ", Differences)}.");
    }

    public void WriteTo(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteString("invocationId", production.InvocationId);
        writer.WriteString("function", production.Function);
        writer.WriteNumber("version", production.Version);
        writer.WriteString("moduleSha256", production.ModuleSha256);
        writer.WriteBoolean("identical", Identical);
        writer.WriteStartArray("differences");
        foreach (var difference in Differences) writer.WriteStringValue(difference);
        writer.WriteEndArray();
        writer.WritePropertyName("production");
        Side(writer, production.Outcome, production.ExitCode, production.Message, production.FuelConsumed, production.Output, production.Logs);
        writer.WritePropertyName("replay");
        Side(writer, replay.Outcome, replay.ExitCode, replay.Message, replay.FuelConsumed, replay.Output.Span, replay.Logs.Span);
        if (trace is not null)
        {
            writer.WriteStartArray("trace");
            foreach (var call in trace)
            {
                writer.WriteStartObject();
                writer.WriteString("call", call.Name);
                writer.WriteString("detail", call.Detail);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        writer.WriteEndObject();
    }

    private static void Side(Utf8JsonWriter writer, Outcome outcome, int? exitCode, string? message, long fuel, ReadOnlySpan<byte> output, ReadOnlySpan<byte> logs)
    {
        writer.WriteStartObject();
        writer.WriteString("outcome", outcome.ToCode());
        if (exitCode is { } code) writer.WriteNumber("exitCode", code);
        else writer.WriteNull("exitCode");
        if (message is null) writer.WriteNull("message");
        else writer.WriteString("message", message);
        writer.WriteNumber("fuelConsumed", fuel);
        writer.WriteString("output", Encoding.UTF8.GetString(output));
        writer.WriteBase64String("outputBase64", output);
        writer.WriteString("logs", Encoding.UTF8.GetString(logs));
        writer.WriteEndObject();
    }

    private string Mark(string field) => Differences.Contains(field) ? "DIFFERS" : "identical";

    private static string Code(int? code) => code?.ToString(CultureInfo.InvariantCulture) ?? JsonElementExtensions.Missing;

    private static string Bytes(int count) => count.ToString(CultureInfo.InvariantCulture) + " bytes";
}
