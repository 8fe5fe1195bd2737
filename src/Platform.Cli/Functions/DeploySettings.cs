using System.Text.Json;
using Platform.Cli.Remote;

namespace Platform.Cli.Functions;

/// <summary>What <c>deploy</c> uploads: the module file and the version's configuration (only what was given).</summary>
internal sealed record DeploySettings(
    string Name,
    FileInfo File,
    IReadOnlyList<string> Env,
    IReadOnlyList<string> Args,
    long? Fuel,
    int? MemoryMb,
    int? TimeoutMs,
    bool? HttpPublic = null,
    bool NoPreinit = false,
    DirectoryInfo? Assets = null,
    long? ScratchBytes = null)
{
    /// <summary>A <c>.wat</c> file goes as text (the platform compiles WAT), anything else as a binary module.</summary>
    public bool IsWat => File.Extension.Equals(".wat", StringComparison.OrdinalIgnoreCase);

    public bool HasConfig => Env.Count > 0 || Args.Count > 0 || Fuel is not null || MemoryMb is not null || TimeoutMs is not null || HttpPublic is not null || NoPreinit || ScratchBytes is not null;

    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(Name)) problems.Add("NAME must not be empty");
        if (Fuel is <= 0) problems.Add("--fuel must be positive");
        if (MemoryMb is <= 0) problems.Add("--memory-mb must be positive");
        if (TimeoutMs is <= 0) problems.Add("--timeout-ms must be positive");
        if (ScratchBytes is < 0) problems.Add("--scratch-bytes must not be negative");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var pair in Env)
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0) problems.Add($"--env expects K=V, got '{pair}'");
            else if (!seen.Add(pair[..equals])) problems.Add($"--env {pair[..equals]} is given twice");
        }

        return problems;
    }

    /// <summary>The <c>config</c> part: <c>{"env":{..},"args":[..],"fuel":n,"memoryMb":n,"timeoutMs":n,"http":{"public":b},"preinit":false,"scratch":{"maxBytes":n}}</c>, members present only when given.</summary>
    public byte[] ConfigJson()
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, RemoteCall.WriterOptions))
        {
            writer.WriteStartObject();
            if (Env.Count > 0)
            {
                writer.WriteStartObject("env");
                foreach (var pair in Env)
                {
                    var equals = pair.IndexOf('=', StringComparison.Ordinal);
                    writer.WriteString(pair[..equals], pair[(equals + 1)..]);
                }

                writer.WriteEndObject();
            }

            if (Args.Count > 0)
            {
                writer.WriteStartArray("args");
                foreach (var arg in Args) writer.WriteStringValue(arg);
                writer.WriteEndArray();
            }

            if (Fuel is { } fuel) writer.WriteNumber("fuel", fuel);
            if (MemoryMb is { } memoryMb) writer.WriteNumber("memoryMb", memoryMb);
            if (TimeoutMs is { } timeoutMs) writer.WriteNumber("timeoutMs", timeoutMs);
            if (HttpPublic is { } isPublic)
            {
                writer.WriteStartObject("http");
                writer.WriteBoolean("public", isPublic);
                writer.WriteEndObject();
            }

            if (NoPreinit) writer.WriteBoolean("preinit", false);
            if (ScratchBytes is { } scratch)
            {
                writer.WriteStartObject("scratch");
                writer.WriteNumber("maxBytes", scratch);
                writer.WriteEndObject();
            }

            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }
}
