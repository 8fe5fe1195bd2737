using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Platform.Cli.Remote;
using Platform.Runtime;

namespace Platform.Cli.Invoke;

/// <summary>
/// What <c>invoke</c> prints. Human: the output bytes on stdout; on failure the function's logs
/// and one line with the code on stderr. <c>--json</c>: one object with every member always
/// present (null when unknown): outcome, code, message, exitCode, output, logs, invocationId,
/// version, fuelConsumed, durationMs, worker.
/// </summary>
internal static class InvocationReport
{
    public static async Task WriteOkJsonAsync(RemoteCall call, HttpResponseHeaders headers, byte[] output)
    {
        await call.WriteJsonAsync(writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("outcome", Header(headers, InvocationHeaders.Outcome) ?? Outcome.Ok.ToCode());
            writer.WriteNull("code");
            writer.WriteNull("message");
            writer.WriteNumber("exitCode", 0);
            writer.WriteString("output", Encoding.UTF8.GetString(output));
            writer.WriteNull("logs");
            WriteStringOrNull(writer, "invocationId", Header(headers, InvocationHeaders.InvocationId));
            WriteNumberOrNull(writer, "version", Header(headers, InvocationHeaders.Version));
            WriteNumberOrNull(writer, "fuelConsumed", Header(headers, InvocationHeaders.Fuel));
            WriteNumberOrNull(writer, "durationMs", Header(headers, InvocationHeaders.Duration));
            WriteStringOrNull(writer, "worker", Header(headers, InvocationHeaders.Worker));
            writer.WriteEndObject();
        });
    }

    /// <summary>Reports a failed invocation (a function outcome, a platform problem or a transport failure) and returns its exit code.</summary>
    public static async Task<int> FailAsync(RemoteCall call, ApiProblem problem)
    {
        var document = problem.Document;
        if (call.Json)
        {
            await call.WriteJsonAsync(writer =>
            {
                writer.WriteStartObject();
                writer.WriteString("outcome", problem.Code);
                writer.WriteString("code", problem.Code);
                writer.WriteString("message", problem.Detail);
                Copy(writer, document, "exitCode");
                writer.WriteNull("output");
                Copy(writer, document, "logs");
                Copy(writer, document, "invocationId");
                Copy(writer, document, "version");
                Copy(writer, document, "fuelConsumed");
                Copy(writer, document, "durationMs");
                Copy(writer, document, "worker");
                writer.WriteEndObject();
            });
            await call.Error.WriteLineAsync($"platformctl: {problem}");
            return problem.ExitCode;
        }

        if (document?.String("logs") is { Length: > 0 } logs)
        {
            await call.Error.WriteAsync(logs);
            if (!logs.EndsWith('\n')) await call.Error.WriteLineAsync();
        }

        await call.Error.WriteLineAsync($"platformctl: {problem}{Facts(document)}");
        return problem.ExitCode;
    }

    /// <summary>" (invocation 4f2c.., version 3, worker w1, exit code 7, fuel 1200, 3.2 ms)" for a function outcome; "" otherwise.</summary>
    private static string Facts(JsonElement? document)
    {
        if (document is not { } problem || problem.String("invocationId") is not { } id) return "";
        var facts = new List<string> { $"invocation {id}" };
        if (problem.Member("version") is { } version) facts.Add($"version {version.GetRawText()}");
        if (problem.String("worker") is { Length: > 0 } worker) facts.Add($"worker {worker}");
        if (problem.Member("exitCode") is { } exitCode) facts.Add($"exit code {exitCode.GetRawText()}");
        if (problem.Member("fuelConsumed") is { } fuel) facts.Add($"fuel {fuel.GetRawText()}");
        if (problem.Member("durationMs") is { } duration) facts.Add($"{duration.GetRawText()} ms");
        return $" ({string.Join(", ", facts)})";
    }

    private static void Copy(Utf8JsonWriter writer, JsonElement? document, string name)
    {
        if (document?.Member(name) is { } value)
        {
            writer.WritePropertyName(name);
            value.WriteTo(writer);
        }
        else
        {
            writer.WriteNull(name);
        }
    }

    private static string? Header(HttpResponseHeaders headers, string name) =>
        headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    private static void WriteStringOrNull(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is null) writer.WriteNull(name);
        else writer.WriteString(name, value);
    }

    private static void WriteNumberOrNull(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is not null && decimal.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number)) writer.WriteNumber(name, number);
        else writer.WriteNull(name);
    }
}
