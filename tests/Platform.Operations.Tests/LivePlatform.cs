using System.Diagnostics;
using System.Globalization;
using Platform.Testing;
using Platform.Testing.Processes;
using Xunit.Sdk;

namespace Platform.Operations.Tests;

/// <summary>
/// The platform in dev mode (a child process: private PostgreSQL, control plane, two in-process
/// workers with one invocation slot each), a real Prometheus scraping it every second with the
/// repository's jobs and rule files, and traffic that produces every outcome in two rounds a few
/// scrapes apart (so that rate() sees increases). Everything is bounded in time and torn down,
/// also when a step fails.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class LivePlatform : IAsyncLifetime
{
    public const string ScrapeInterval = "1s";
    private static readonly TimeSpan SetupBudget = TimeSpan.FromMinutes(6);
    private readonly IMessageSink _sink;
    private readonly List<string> _log = [];
    private DevPlatform? _dev;
    private PrometheusServer? _prometheus;
    private string? _root;

    public LivePlatform(IMessageSink sink) => _sink = sink;

    public DevFacts Facts { get; private set; } = null!;

    public PrometheusServer Prometheus => _prometheus ?? throw new InvalidOperationException("Prometheus did not start");

    public Traffic Traffic { get; private set; } = null!;

    /// <summary>The dev control plane's /metrics as scraped at the end of the traffic.</summary>
    public string MetricsText { get; private set; } = "";

    /// <summary>Why setup failed (every test reports it), or null.</summary>
    public Exception? Failure { get; private set; }

    public IReadOnlyList<string> Log => _log;

    public async Task InitializeAsync()
    {
        try
        {
            await SetUpAsync().WaitAsync(SetupBudget);
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException or HttpRequestException or IOException or XunitException or FileNotFoundException)
        {
            Failure = ex;
            Write($"setup failed: {ex}");
            if (_dev is not null)
                Write($"dev output:\n{_dev.Output}");
            if (_prometheus is not null)
                Write($"prometheus output:\n{_prometheus.Output}");
        }
    }

    public void EnsureUp()
    {
        if (Failure is not null)
            throw new XunitException($"the live platform did not come up: {Failure}\n{string.Join('\n', _log)}");
    }

    private async Task SetUpAsync()
    {
        var prometheusBinary = Tools.Require("prometheus");
        var promtool = Tools.Require("promtool");

        // As root the private PostgreSQL runs as `postgres`: every parent of its folder must be traversable.
        _root = Path.Combine("/tmp", $"platform-ops-{Guid.NewGuid():N}"[..26]);
        const UnixFileMode open = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
        Directory.CreateDirectory(_root, open);
        var devDir = Directory.CreateDirectory(Path.Combine(_root, "dev"), open).FullName;
        var prometheusDir = Directory.CreateDirectory(Path.Combine(_root, "prometheus")).FullName;

        // The C guests (examples/build.sh, when build/guests lacks them) before anything runs.
        _ = GuestModules.PathOf("membomb");

        var watch = Stopwatch.StartNew();
        _dev = DevPlatform.Start(devDir,
        [
            "--workers", "2",
            "--Platform:RestUrl=http://127.0.0.1:0",
            "--Platform:GrpcUrl=http://127.0.0.1:0",
            // One slot per worker: a burst of slow invocations gets OVERLOADED.
            "--Platform:MaxConcurrentInvocations=1",
            "--Platform:ClusterUrl=http://127.0.0.1:0",
            // The control plane's metrics listener, which also reports the in-process workers (dev turns their own telemetry off).
            "--Platform:MetricsUrl=http://127.0.0.1:0",
        ]);
        Facts = await _dev.WaitForFactsAsync(TimeSpan.FromSeconds(150));
        Write($"dev up in {watch.Elapsed.TotalSeconds:F1} s: REST {Facts.RestUrl}, metrics {Facts.Metrics}");

        var metrics = Facts.Metrics;
        if (metrics.AbsolutePath != "/metrics")
            throw new InvalidOperationException($"dev serves metrics at {metrics}, the repository's jobs scrape /metrics");
        var port = FreePort.Next();
        var config = PrometheusServer.WriteConfig(Path.Combine(prometheusDir, "prometheus.yml"), new Dictionary<string, string[]>
        {
            // dev serves every metric of the process (control plane and its in-process workers) on its metrics listener.
            ["platform-control-plane"] = [$"{metrics.Host}:{metrics.Port}"],
            // No separate worker processes in dev: pointing this job at the same endpoint would count everything twice.
            ["platform-worker"] = [],
            ["otel-collector"] = [],
            ["prometheus"] = [$"127.0.0.1:{port}"],
        }, ScrapeInterval);
        var check = await Tools.RunAsync(promtool, ["check", "config", config]);
        if (check.ExitCode != 0)
            throw new InvalidOperationException($"promtool check config on the generated test configuration failed:\n{check.Output}\n{await File.ReadAllTextAsync(config)}");

        _prometheus = await PrometheusServer.StartAsync(prometheusBinary, config, prometheusDir, port, TimeSpan.FromSeconds(30));
        Write($"prometheus {Prometheus.Url} with {config}");
        if (!await Prometheus.WaitUntilAsync("up{job=\"platform-control-plane\"} == 1", r => r.Series.Count == 1, TimeSpan.FromSeconds(30)))
            throw new TimeoutException("Prometheus never scraped the dev control plane: " + (await Prometheus.GetAsync("/api/v1/targets")).ToJsonString());

        // Traffic: deploy (compiles, pushes), then two rounds of every outcome a few scrapes apart.
        Traffic = new Traffic(Facts, Write);
        await Traffic.DeployAsync();
        await Traffic.RunAsync(1);
        await Task.Delay(TimeSpan.FromSeconds(3));
        await Traffic.RunAsync(2);

        // Wait until Prometheus holds what the control plane counted, then a few rule evaluations more.
        using (var http = new HttpClient { Timeout = TimeSpan.FromSeconds(15) })
            MetricsText = await http.GetStringAsync(metrics);
        var counted = MetricsText.Split('\n')
            .Where(l => l.StartsWith("platform_invocations_total{", StringComparison.Ordinal))
            .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
        if (!await Prometheus.WaitUntilAsync("sum(platform_invocations_total)", r => r.Series.Count == 1 && r.Series[0].Value >= counted, TimeSpan.FromSeconds(30)))
            throw new TimeoutException($"Prometheus did not reach the {counted} invocations the control plane counted");
        await Task.Delay(TimeSpan.FromSeconds(3));
        Write($"traffic done: {Traffic.Sent} invocations answered ({Traffic.Summary()}); control plane counted {counted}; ready for queries after {watch.Elapsed.TotalSeconds:F1} s");
    }

    public async Task DisposeAsync()
    {
        if (_prometheus is not null)
            await _prometheus.DisposeAsync();
        if (_dev is not null)
            await _dev.DisposeAsync();
        if (_root is not null)
        {
            try
            {
                Directory.Delete(_root, recursive: true);
            }
            catch (IOException ex)
            {
                Write($"could not delete {_root}: {ex.Message}");
            }
            catch (UnauthorizedAccessException ex)
            {
                Write($"could not delete {_root}: {ex.Message}");
            }
        }
    }

    private void Write(string line)
    {
        lock (_log)
            _log.Add(line);
        _sink.OnMessage(new DiagnosticMessage($"[operations] {line}"));
    }
}
