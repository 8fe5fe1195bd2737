using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using YamlDotNet.RepresentationModel;

namespace Platform.Operations.Tests;

/// <summary>
/// A real Prometheus (Debian's package) on loopback with its own data folder, running the
/// repository's deploy/prometheus/prometheus.yml with only the targets (and the intervals)
/// changed, and its rule files as they are.
/// </summary>
public sealed class PrometheusServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly Lock _gate = new();
    private readonly HttpClient _http;

    private PrometheusServer(Process process, Uri url, string configPath)
    {
        _process = process;
        Url = url;
        ConfigPath = configPath;
        _http = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(15) };
    }

    public Uri Url { get; }

    public string ConfigPath { get; }

    public string Output
    {
        get
        {
            lock (_gate)
                return _output.ToString();
        }
    }

    /// <summary>
    /// Writes the test configuration: the repository's file with <c>global</c> intervals set to
    /// <paramref name="interval"/>, rule_files resolved to the repository's files (absolute paths),
    /// and every job's service discovery replaced by <paramref name="targets"/>[job] (a job not in
    /// the map fails: a new job must be thought about here).
    /// </summary>
    public static string WriteConfig(string path, IReadOnlyDictionary<string, string[]> targets, string interval)
    {
        var source = Repository.Deploy("prometheus", "prometheus.yml");
        var stream = Yaml.LoadStream(source);
        var root = (YamlMappingNode)stream.Documents[0].RootNode;

        var global = (YamlMappingNode)root.Children[new YamlScalarNode("global")];
        global.Children[new YamlScalarNode("scrape_interval")] = new YamlScalarNode(interval);
        global.Children[new YamlScalarNode("scrape_timeout")] = new YamlScalarNode(interval);
        global.Children[new YamlScalarNode("evaluation_interval")] = new YamlScalarNode(interval);

        var configDirectory = Path.GetDirectoryName(source)!;
        var ruleFiles = new YamlSequenceNode();
        foreach (var pattern in ((YamlSequenceNode)root.Children[new YamlScalarNode("rule_files")]).Children.Cast<YamlScalarNode>())
        {
            var full = Path.Combine(configDirectory, pattern.Value!);
            var files = Directory.GetFiles(Path.GetDirectoryName(full)!, Path.GetFileName(full)).Order(StringComparer.Ordinal).ToList();
            if (files.Count == 0)
                throw new InvalidOperationException($"rule_files entry {pattern.Value} matches no file");
            foreach (var file in files)
                ruleFiles.Add(new YamlScalarNode(file));
        }

        root.Children[new YamlScalarNode("rule_files")] = ruleFiles;

        foreach (var job in ((YamlSequenceNode)root.Children[new YamlScalarNode("scrape_configs")]).Children.Cast<YamlMappingNode>())
        {
            var name = ((YamlScalarNode)job.Children[new YamlScalarNode("job_name")]).Value!;
            if (!targets.TryGetValue(name, out var jobTargets))
                throw new InvalidOperationException($"deploy/prometheus/prometheus.yml has a job '{name}' the operations test does not know how to point at dev");
            foreach (var key in job.Children.Keys.Cast<YamlScalarNode>().Where(k => k.Value!.EndsWith("_sd_configs", StringComparison.Ordinal) || k.Value == "static_configs").ToList())
                job.Children.Remove(key);
            var list = new YamlSequenceNode(jobTargets.Select(t => new YamlScalarNode(t)));
            list.Style = YamlDotNet.Core.Events.SequenceStyle.Flow;
            job.Children[new YamlScalarNode("static_configs")] = new YamlSequenceNode(new YamlMappingNode(new YamlScalarNode("targets"), list));
        }

        using (var writer = new StreamWriter(path))
            stream.Save(writer, assignAnchors: false);
        return path;
    }

    /// <summary>Starts <c>prometheus</c> and waits until it is ready (at most <paramref name="timeout"/>).</summary>
    public static async Task<PrometheusServer> StartAsync(string prometheus, string configPath, string dataDir, int port, TimeSpan timeout)
    {
        var info = new ProcessStartInfo(prometheus)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = dataDir,
        };
        foreach (var argument in new[]
        {
            $"--config.file={configPath}",
            $"--storage.tsdb.path={Path.Combine(dataDir, "tsdb")}",
            $"--web.listen-address=127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}",
            "--log.level=warn",
        })
        {
            info.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = info };
        var server = new PrometheusServer(process, new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}"), configPath);
        process.OutputDataReceived += (_, e) => server.Append(e.Data);
        process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var watch = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited)
                throw new InvalidOperationException($"prometheus exited with {process.ExitCode}:\n{server.Output}");
            try
            {
                using var ready = await server._http.GetAsync("/-/ready");
                if (ready.IsSuccessStatusCode)
                    return server;
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // Slow start.
            }

            if (watch.Elapsed > timeout)
            {
                await server.DisposeAsync();
                throw new TimeoutException($"prometheus was not ready within {timeout}:\n{server.Output}");
            }

            await Task.Delay(200);
        }
    }

    /// <summary>One instant query through /api/v1/query.</summary>
    public async Task<QueryResult> QueryAsync(string query)
    {
        using var content = new FormUrlEncodedContent([new KeyValuePair<string, string>("query", query)]);
        using var response = await _http.PostAsync("/api/v1/query", content);
        var json = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
        return QueryResult.From(query, json);
    }

    public async Task<JsonObject> GetAsync(string path)
    {
        using var response = await _http.GetAsync(path);
        response.EnsureSuccessStatusCode();
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
    }

    /// <summary>Polls <paramref name="query"/> until <paramref name="done"/> holds; false after <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitUntilAsync(string query, Func<QueryResult, bool> done, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < timeout)
        {
            if (done(await QueryAsync(query)))
                return true;
            await Task.Delay(250);
        }

        return false;
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
                await _process.WaitForExitAsync(cts.Token);
            }
        }
        catch (OperationCanceledException)
        {
            // Reported by the caller's leftover check; nothing more to do.
        }
        finally
        {
            _process.Dispose();
        }
    }

    private void Append(string? line)
    {
        if (line is null)
            return;
        lock (_gate)
            _output.AppendLine(line);
    }
}

/// <summary>The answer to one instant query: status, error, the series and their values.</summary>
public sealed record QueryResult(string Query, bool Success, string? Error, string ResultType, IReadOnlyList<(string Labels, double Value)> Series)
{
    public int FiniteCount => Series.Count(s => double.IsFinite(s.Value));

    public static QueryResult From(string query, JsonObject json)
    {
        var success = json["status"]?.GetValue<string>() == "success";
        var error = success ? null : $"{json["errorType"]?.GetValue<string>()}: {json["error"]?.GetValue<string>()}";
        var data = json["data"] as JsonObject;
        var resultType = data?["resultType"]?.GetValue<string>() ?? "";
        var series = new List<(string, double)>();
        switch (resultType)
        {
            case "vector":
                foreach (var item in data!["result"]!.AsArray())
                    series.Add((Labels(item!["metric"]!.AsObject()), Number(item["value"]!.AsArray())));
                break;
            case "matrix":
                foreach (var item in data!["result"]!.AsArray())
                    series.Add((Labels(item!["metric"]!.AsObject()), Number(item["values"]!.AsArray().Last()!.AsArray())));
                break;
            case "scalar":
                series.Add(("scalar", Number(data!["result"]!.AsArray())));
                break;
        }

        return new QueryResult(query, success, error, resultType, series);
    }

    private static string Labels(JsonObject metric) =>
        "{" + string.Join(",", metric.Where(kv => kv.Key != "otel_scope_name").Select(kv => $"{kv.Key}=\"{kv.Value!.GetValue<string>()}\"")) + "}";

    private static double Number(JsonArray pair) => pair[1]!.GetValue<string>() switch
    {
        "NaN" => double.NaN,
        "+Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        var text => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
    };
}
