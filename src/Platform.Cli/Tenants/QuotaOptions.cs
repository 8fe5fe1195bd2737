using System.CommandLine;
using System.Text.Json;

namespace Platform.Cli.Tenants;

/// <summary>
/// The quota options of <c>tenants create</c> and <c>quotas set</c>, and the JSON object
/// they make (the quota names of docs/control-plane.md; a member only for an option given).
/// </summary>
internal sealed class QuotaOptions
{
    private readonly List<(string Json, Option Option)> _all = [];

    private QuotaOptions()
    {
    }

    public static QuotaOptions AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        var quotas = new QuotaOptions();
        quotas.Add<long>(command, "--max-fuel", "maxFuel", "Fuel per invocation.");
        quotas.Add<int>(command, "--max-memory-mb", "maxMemoryMb", "Memory per invocation, MiB.");
        quotas.Add<int>(command, "--max-timeout-ms", "maxTimeoutMs", "Wall-clock time per invocation, ms.");
        quotas.Add<long>(command, "--max-module-bytes", "maxModuleBytes", "Size of one module, bytes.");
        quotas.Add<int>(command, "--max-functions", "maxFunctions", "Number of functions.");
        quotas.Add<int>(command, "--invocations-per-second", "invocationsPerSecond", "Rate limit (token bucket refill per second).");
        quotas.Add<int>(command, "--burst", "burst", "Rate limit burst (token bucket size).");
        quotas.Add<int>(command, "--max-concurrency", "maxConcurrency", "Invocations running at once.");
        quotas.Add<long>(command, "--max-input-bytes", "maxInputBytes", "Request body of an invocation, bytes.");
        quotas.Add<long>(command, "--max-output-bytes", "maxOutputBytes", "Response body of an invocation, bytes.");
        quotas.Add<int>(command, "--max-versions-per-function", "maxVersionsPerFunction", "Versions one function keeps.");
        quotas.Add<int>(command, "--max-aliases-per-function", "maxAliasesPerFunction", "Aliases of one function besides latest.");
        quotas.Add<long>(command, "--max-stored-bytes", "maxStoredBytes", "Bytes of the distinct modules the tenant's versions reference.");
        quotas.Add<int>(command, "--management-calls-per-second", "managementCallsPerSecond", "Rate of management (non-invoke) calls, per second.");
        quotas.Add<int>(command, "--management-burst", "managementBurst", "Burst of management calls.");
        return quotas;
    }

    /// <summary>The given quotas as (JSON name, value), in the options' order.</summary>
    public IReadOnlyList<(string Name, long Value)> Given(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        var given = new List<(string, long)>();
        foreach (var (json, option) in _all)
        {
            long? value = option switch
            {
                Option<long?> l => parse.GetValue(l),
                Option<int?> i => parse.GetValue(i),
                _ => null,
            };
            if (value is { } v) given.Add((json, v));
        }

        return given;
    }

    public IReadOnlyList<string> Problems(ParseResult parse) =>
        Given(parse).Where(q => q.Value <= 0).Select(q => $"{OptionName(q.Name)} must be positive").ToList();

    public static void Write(Utf8JsonWriter writer, IEnumerable<(string Name, long Value)> quotas)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(quotas);
        writer.WriteStartObject();
        foreach (var (name, value) in quotas) writer.WriteNumber(name, value);
        writer.WriteEndObject();
    }

    private string OptionName(string json) => _all.First(o => o.Json == json).Option.Name;

    private void Add<T>(Command command, string name, string json, string description)
        where T : struct
    {
        var option = new Option<T?>(name) { Description = $"{description} ({json}; default: the platform's).", HelpName = "N" };
        command.Options.Add(option);
        _all.Add((json, option));
    }
}
