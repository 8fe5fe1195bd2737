using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Platform.Testing;
using Platform.Testing.Processes;

namespace Platform.Operations.Tests;

/// <summary>
/// Traffic on the demo tenant of a dev platform that produces every outcome a test here can
/// provoke: OK, OUT_OF_FUEL, TIMEOUT, MEMORY_LIMIT, TRAP, EXIT_NONZERO, OUTPUT_LIMIT,
/// PAYLOAD_TOO_LARGE, OVERLOADED (workers started with one slot each), CONCURRENCY_LIMITED and
/// RATE_LIMITED (the tenant's quotas lowered for a moment). The guests are the repository's C
/// guests (examples/build.sh), as in the end-to-end outcome tests.
/// </summary>
public sealed class Traffic(DevFacts facts, Action<string> log)
{
    public const string Tenant = "demo";
    private const long SmallFuel = 10_000_000;
    private const int MaxInputBytes = 1024;
    private const int MaxOutputBytes = 4096;

    /// <summary>The quotas of the demo tenant during the run (besides the moments a limit is provoked).</summary>
    private static readonly Dictionary<string, object> BaseQuotas = new()
    {
        ["maxFuel"] = 1_000_000_000_000,
        ["maxInputBytes"] = MaxInputBytes,
        ["maxOutputBytes"] = MaxOutputBytes,
    };

    /// <summary>Functions deployed for the run: name -> (guest, config).</summary>
    public static readonly IReadOnlyDictionary<string, (string Guest, string? Config)> Functions = new Dictionary<string, (string, string?)>
    {
        ["echo"] = ("echo", null),
        ["fuel"] = ("spin", $$"""{"fuel": {{SmallFuel}}}"""),
        ["slow"] = ("spin", """{"fuel": 1000000000000, "timeoutMs": 300}"""),
        ["bomb"] = ("membomb", """{"memoryMb": 16}"""),
        ["recurse"] = ("recurse", null),
        ["exit7"] = ("exit7", null),
        ["flood"] = ("flood", null),
    };

    /// <summary>Every outcome <see cref="RunAsync"/> must have seen at least once.</summary>
    public static readonly string[] ExpectedOutcomes =
    [
        "OK", "OUT_OF_FUEL", "TIMEOUT", "MEMORY_LIMIT", "TRAP", "EXIT_NONZERO", "OUTPUT_LIMIT",
        "PAYLOAD_TOO_LARGE", "OVERLOADED", "CONCURRENCY_LIMITED", "RATE_LIMITED",
    ];

    private readonly ConcurrentDictionary<string, int> _outcomes = new(StringComparer.Ordinal);

    /// <summary>Outcome code -> answers seen.</summary>
    public IReadOnlyDictionary<string, int> Outcomes => _outcomes;

    /// <summary>Invocations sent (each counted by the control plane once it reaches a decision).</summary>
    public int Sent => _outcomes.Values.Sum();

    public async Task DeployAsync()
    {
        await SetQuotasAsync(BaseQuotas);
        using var http = Client(facts.DemoApiKey);
        foreach (var (name, (guest, config)) in Functions)
        {
            using var form = new MultipartFormDataContent();
            var module = new ByteArrayContent(GuestModules.Bytes(guest));
            module.Headers.ContentType = new MediaTypeHeaderValue("application/wasm");
            form.Add(module, "module", guest + ".wasm");
            if (config is not null)
                form.Add(new StringContent(config, Encoding.UTF8, "application/json"), "config");
            using var response = await http.PutAsync($"/v1/functions/{name}", form);
            if (!response.IsSuccessStatusCode)
                throw new InvalidOperationException($"deploy {name}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }

        log($"deployed {string.Join(", ", Functions.Keys)} to tenant {Tenant}");
    }

    /// <summary>One round of every outcome; rounds are separated by scrapes so that rate() sees increases.</summary>
    public async Task RunAsync(int round)
    {
        var watch = Stopwatch.StartNew();
        using var http = Client(facts.DemoApiKey);

        // The function outcomes, one after the other (the workers have one slot each).
        foreach (var (function, expected) in new[]
        {
            ("hello", "OK"), ("echo", "OK"), ("fuel", "OUT_OF_FUEL"), ("slow", "TIMEOUT"), ("bomb", "MEMORY_LIMIT"),
            ("recurse", "TRAP"), ("exit7", "EXIT_NONZERO"), ("flood", "OUTPUT_LIMIT"),
        })
        {
            // Retried only if something transient (a slot still held under load) answers first.
            await ExpectAsync(expected, () => InvokeAsync(http, function, "ping"), $"round {round}: {function}");
        }

        // PAYLOAD_TOO_LARGE: more input than the tenant's maxInputBytes.
        await ExpectAsync("PAYLOAD_TOO_LARGE", () => InvokeAsync(http, "echo", new string('x', MaxInputBytes * 2)));

        // OVERLOADED: more slow invocations at once than the two workers have slots.
        await ExpectAsync("OVERLOADED", () => BurstAsync(http, "slow", 4));

        // CONCURRENCY_LIMITED: the tenant's maxConcurrency lowered to 1 (the quota cache follows a change within moments).
        await SetQuotasAsync(new Dictionary<string, object>(BaseQuotas) { ["maxConcurrency"] = 1 });
        await ExpectAsync("CONCURRENCY_LIMITED", () => BurstAsync(http, "slow", 3));

        // RATE_LIMITED: one invocation per second, burst 1.
        await SetQuotasAsync(new Dictionary<string, object>(BaseQuotas) { ["invocationsPerSecond"] = 1, ["burst"] = 1 });
        await ExpectAsync("RATE_LIMITED", async () =>
        {
            var first = await InvokeAsync(http, "hello", "a");
            return first == "RATE_LIMITED" ? first : await InvokeAsync(http, "hello", "b");
        });

        // Back to the run's quotas: wait until an invocation passes again.
        await SetQuotasAsync(BaseQuotas);
        await ExpectAsync("OK", () => InvokeAsync(http, "hello", "again"));
        log($"round {round}: {Sent} invocations so far in {watch.Elapsed.TotalSeconds:F1} s: {Summary()}");
    }

    public string Summary() => string.Join(", ", _outcomes.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}"));

    /// <summary>Repeats <paramref name="attempt"/> (at most 40 times, 20 s) until it answers <paramref name="outcome"/>.</summary>
    private static async Task ExpectAsync(string outcome, Func<Task<string>> attempt, string? what = null)
    {
        var watch = Stopwatch.StartNew();
        var seen = new List<string>();
        for (var i = 0; i < 40 && watch.Elapsed < TimeSpan.FromSeconds(20); i++)
        {
            var got = await attempt();
            if (got.Split(',').Contains(outcome))
                return;
            seen.Add(got);
            await Task.Delay(100);
        }

        throw new InvalidOperationException($"{what ?? "traffic"}: never saw {outcome}; saw {string.Join(" | ", seen)}");
    }

    /// <summary><paramref name="count"/> invocations at once; the outcomes joined with commas.</summary>
    private async Task<string> BurstAsync(HttpClient http, string function, int count)
    {
        var outcomes = await Task.WhenAll(Enumerable.Range(0, count).Select(i => InvokeAsync(http, function, $"burst {i}")));
        return string.Join(",", outcomes);
    }

    private async Task<string> InvokeAsync(HttpClient http, string function, string input)
    {
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(input));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var response = await http.PostAsync($"/v1/functions/{function}/invoke", content);
        string outcome;
        if (response.Headers.TryGetValues("Platform-Outcome", out var values))
        {
            outcome = values.First();
        }
        else
        {
            var body = await response.Content.ReadAsStringAsync();
            try
            {
                outcome = JsonNode.Parse(body)?["code"]?.GetValue<string>() ?? $"HTTP {(int)response.StatusCode}";
            }
            catch (System.Text.Json.JsonException)
            {
                outcome = $"HTTP {(int)response.StatusCode}: {body}";
            }
        }

        _outcomes.AddOrUpdate(outcome, 1, (_, n) => n + 1);
        return outcome;
    }

    private async Task SetQuotasAsync(Dictionary<string, object> quotas)
    {
        using var http = Client(facts.AdminKey);
        using var response = await http.PutAsJsonAsync($"/v1/tenants/{Tenant}/quotas", quotas);
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"set quotas of {Tenant}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    private HttpClient Client(string key)
    {
        var http = new HttpClient { BaseAddress = new Uri(facts.RestUrl), Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return http;
    }
}
