using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Platform.ControlPlane;
using Platform.ControlPlane.Cluster;
using Platform.Hosting.InProcess;
using Platform.Runtime;
using Platform.Runtime.Artifacts;
using Platform.Runtime.Compilation;
using Platform.Server.Postgres;
using Platform.Server.Telemetry;
using Platform.Worker;

namespace Platform.Server.Dev;

/// <summary>
/// <c>Platform.Server dev</c>: the whole platform in one process on loopback. A private
/// PostgreSQL (unless <c>ConnectionStrings:Platform</c> is configured), the control plane, N
/// workers (registered over gRPC, invoked directly: <see cref="InProcessWorkers"/>), a <c>demo</c> tenant with the example hello function deployed and
/// invoked; the facts are printed and written to <c>dev.json</c> in the data directory
/// (<c>.platform</c> under the working directory, or <c>--data-dir</c>). Ctrl-C stops
/// everything, PostgreSQL included; the next run reuses the data.
/// </summary>
internal static class DevMode
{
    private const string Database = "platform";

    public static async Task<int> RunAsync(string[] args)
    {
        var settings = DevSettings.Parse(args);
        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            stop.Cancel();
        });

        Directory.CreateDirectory(settings.DataDirectory);
        // An earlier run's facts name its ports and demo key: a script waiting for dev.json must not read them as this run's.
        var factsPath = Path.Combine(settings.DataDirectory, "dev.json");
        File.Delete(factsPath);
        var secrets = DevSecrets.LoadOrCreate(settings.DataDirectory);
        // Created (0600) by the control plane at its start; the workers trust its public key.
        var signingKeyPath = Path.Combine(settings.DataDirectory, "artifact-signing.pem");
        var configured = new ConfigurationBuilder().AddCommandLine(settings.HostArguments).AddEnvironmentVariables().Build();
        var connectionString = configured.GetConnectionString("Platform");
        LocalPostgres? postgres = null;
        var apps = new List<WebApplication>();
        WasmEngine? engine = null;
        IsolatedCompiler? compiler = null;
        try
        {
            if (connectionString is null)
            {
                Console.WriteLine($"Starting PostgreSQL in {Path.Combine(settings.DataDirectory, "postgres")} ...");
                postgres = await LocalPostgres.StartAsync(Path.Combine(settings.DataDirectory, "postgres"), stop.Token);
                await postgres.EnsureDatabaseAsync(Database, stop.Token);
                connectionString = postgres.ConnectionString(Database);
            }

            // One engine and one set of compiler processes for the control plane and every worker of the process.
            engine = new WasmEngine(new RuntimeOptions { CacheDir = Path.Combine(settings.DataDirectory, "workers") });
            var budget = new CompileBudget();
            configured.GetSection("Platform:Compile").Bind(budget);
            compiler = new IsolatedCompiler(engine, budget);
            var sharedEngine = engine;
            var sharedCompiler = compiler;
            // The control plane calls these workers directly, not over loopback gRPC (Platform:Cluster:InProcessWorkerCalls).
            var inProcessWorkers = new InProcessWorkers();
            void ShareSandbox(WebApplicationBuilder builder)
            {
                builder.Services.AddSingleton(sharedEngine);
                builder.Services.AddSingleton<IModuleCompiler>(sharedCompiler);
                builder.Services.AddSingleton(inProcessWorkers);
            }

            var controlPlane = PlatformServer.Build(
                [
                    "--Platform:GrpcReflection=true",
                    .. HostArguments(settings, "control-plane", $"--Platform:Http:BaseDomain={DevBaseDomain}"),
                    $"--ConnectionStrings:Platform={connectionString}",
                    $"--Platform:AdminKey={secrets.AdminKey}",
                    $"--Platform:ClusterToken={secrets.ClusterToken}",
                    $"--Platform:Artifacts:SigningKeyPath={signingKeyPath}",
                ],
                ShareSandbox);
            apps.Add(controlPlane);
            await controlPlane.StartAsync(stop.Token);
            var listeners = controlPlane.Services.GetRequiredService<ControlPlaneListeners>();

            for (var i = 1; i <= settings.Workers; i++)
            {
                var worker = PlatformServer.Build(
                    [
                        .. HostArguments(settings, "worker"),
                        $"--Platform:ClusterToken={secrets.ClusterToken}",
                        $"--Platform:Artifacts:TrustedPublicKeyPaths:0={ArtifactSigner.PublicKeyPath(signingKeyPath)}",
                        $"--Platform:ControlPlaneUrl={listeners.ClusterUri}",
                        "--Platform:WorkerUrl=http://127.0.0.1:0",
                        $"--Platform:WorkerId=dev-worker-{i}",
                        $"--Platform:CacheDir={Path.Combine(settings.DataDirectory, "workers", $"dev-worker-{i}")}",
                        // The control-plane host's OpenTelemetry collects the in-process workers'
                        // meters and spans too (listeners are process-wide): one /metrics, no duplicates.
                        $"--{PlatformTelemetrySettings.EnabledKey}=false",
                    ],
                    ShareSandbox);
                apps.Add(worker);
                await worker.StartAsync(stop.Token);
            }

            await WaitForWorkersAsync(controlPlane, settings.Workers, stop.Token);
            var demo = await DemoAsync(listeners.RestUri, secrets.AdminKey, stop.Token);
            var restUrl = listeners.RestUri.ToString().TrimEnd('/');
            var metrics = controlPlane.Services.GetService<MetricsListener>();
            var metricsUrl = metrics is null ? "" : metrics.Uri.ToString().TrimEnd('/') + PlatformTelemetry.MetricsPath;
            var facts = new DevFacts(restUrl, listeners.GrpcUri.ToString().TrimEnd('/'), secrets.AdminKey, demo.ApiKey, metricsUrl, listeners.ClusterUri.ToString().TrimEnd('/'));
            // Written whole or not at all: its appearance is the signal that the platform is up.
            await File.WriteAllTextAsync(factsPath + ".tmp", JsonSerializer.Serialize(facts, DevFacts.JsonOptions), stop.Token);
            File.Move(factsPath + ".tmp", factsPath, overwrite: true);
            Print(facts, controlPlane, settings, postgres, demo, factsPath);

            await Task.Delay(Timeout.Infinite, stop.Token).ContinueWith(_ => { }, TaskScheduler.Default);
            Console.WriteLine("Stopping ...");
            return 0;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            Console.WriteLine("Stopping ...");
            return 0;
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or HttpRequestException or Npgsql.NpgsqlException)
        {
            await Console.Error.WriteLineAsync($"platform dev: {ex.Message}");
            return 1;
        }
        finally
        {
            await StopAllAsync(apps, engine, postgres);
            compiler?.Dispose();
        }
    }

    /// <summary>Hosts first (workers, then the control plane), then the engine, PostgreSQL last; one failure does not skip the rest.</summary>
    private static async Task StopAllAsync(List<WebApplication> apps, WasmEngine? engine, LocalPostgres? postgres)
    {
        foreach (var app in Enumerable.Reverse(apps))
        {
            try
            {
                await app.StopAsync(CancellationToken.None);
                await app.DisposeAsync();
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                await Console.Error.WriteLineAsync($"platform dev: stopping a host: {ex.Message}");
            }
        }

        engine?.Dispose();
        if (postgres is not null)
        {
            try
            {
                await postgres.DisposeAsync();
            }
            catch (InvalidOperationException ex)
            {
                await Console.Error.WriteLineAsync($"platform dev: stopping PostgreSQL: {ex.Message}");
            }
        }
    }

    // The user's own arguments come last, so a --Platform:Http:BaseDomain of theirs wins.
    private static IEnumerable<string> HostArguments(DevSettings settings, string role, params string[] defaults) =>
        [$"--role={role}", "--Logging:LogLevel:Default=Warning", "--Logging:LogLevel:Microsoft.Hosting.Lifetime=Warning", .. defaults, .. settings.HostArguments];

    private static async Task WaitForWorkersAsync(WebApplication controlPlane, int count, CancellationToken cancellationToken)
    {
        var registry = controlPlane.Services.GetRequiredService<ILiveWorkers>();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        while (registry.Live.Count(w => w.Id.StartsWith("dev-worker-", StringComparison.Ordinal)) < count)
        {
            await Task.Delay(100, timeout.Token);
            await registry.RefreshAsync(timeout.Token);
        }
    }

    private const string DevBaseDomain = "localhost";

    /// <summary>Where examples/build.sh puts the HTTP API example, relative to the repository root.</summary>
    private const string ApiModule = "build/guests/api.wasm";

    private sealed record Demo(string ApiKey, int Version, string Output, string Worker, int? ApiVersion);

    /// <summary>Creates the demo tenant (or a new key for it), deploys hello, invokes it.</summary>
    private static async Task<Demo> DemoAsync(Uri rest, string adminKey, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = rest, Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adminKey);
        string apiKey;
        using (var created = await http.PostAsJsonAsync("/v1/tenants", new { name = "demo" }, cancellationToken))
        {
            if (created.IsSuccessStatusCode)
            {
                apiKey = (await created.Content.ReadFromJsonAsync<JsonObject>(cancellationToken))!["apiKey"]!.GetValue<string>();
            }
            else
            {
                using var key = await http.PostAsync("/v1/tenants/demo/keys", null, cancellationToken);
                await EnsureSuccessAsync(key, "create a key for the demo tenant", cancellationToken);
                apiKey = (await key.Content.ReadFromJsonAsync<JsonObject>(cancellationToken))!["apiKey"]!.GetValue<string>();
            }
        }

        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        using var module = new StreamContent(typeof(DevMode).Assembly.GetManifestResourceStream("Platform.Server.Dev.hello.wat")!);
        module.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
        using var deployed = await http.PutAsync("/v1/functions/hello", module, cancellationToken);
        await EnsureSuccessAsync(deployed, "deploy hello", cancellationToken);
        var version = (await deployed.Content.ReadFromJsonAsync<JsonObject>(cancellationToken))!["version"]!.GetValue<int>();

        using var invoked = await http.PostAsync("/v1/functions/hello/invoke", new StringContent("Platform", Encoding.UTF8), cancellationToken);
        await EnsureSuccessAsync(invoked, "invoke hello", cancellationToken);
        var output = await invoked.Content.ReadAsStringAsync(cancellationToken);
        var apiVersion = await DeployApiAsync(http, cancellationToken);
        return new Demo(apiKey, version, output.TrimEnd('\n'), invoked.Headers.GetValues("Platform-Worker").First(), apiVersion);
    }

    /// <summary>Deploys the C HTTP API example as the public function <c>api</c> when it was built; null when it was not.</summary>
    private static async Task<int?> DeployApiAsync(HttpClient http, CancellationToken cancellationToken)
    {
        if (FindUp(ApiModule) is not { } path) return null;
        using var form = new MultipartFormDataContent();
        var module = new ByteArrayContent(await File.ReadAllBytesAsync(path, cancellationToken));
        module.Headers.ContentType = new MediaTypeHeaderValue("application/wasm");
        form.Add(module, "module", "api.wasm");
        var config = new StringContent("""{"http": {"public": true}}""", Encoding.UTF8);
        config.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        form.Add(config, "config");
        using var deployed = await http.PutAsync("/v1/functions/api", form, cancellationToken);
        await EnsureSuccessAsync(deployed, "deploy api", cancellationToken);
        return (await deployed.Content.ReadFromJsonAsync<JsonObject>(cancellationToken))!["version"]!.GetValue<int>();
    }

    /// <summary>Looks in the working directory and the executable's, and their parents: dev runs from a checkout.</summary>
    private static string? FindUp(string relative)
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
            {
                var candidate = Path.Combine(directory.FullName, relative);
                if (File.Exists(candidate)) return candidate;
            }
        }

        return null;
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, string what, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"could not {what}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}");
    }

    private static void Print(DevFacts facts, WebApplication controlPlane, DevSettings settings, LocalPostgres? postgres, Demo demo, string factsPath)
    {
        var workers = controlPlane.Services.GetRequiredService<ILiveWorkers>().Live.OrderBy(w => w.Id, StringComparer.Ordinal);
        Console.WriteLine($"""

            Platform is up (dev mode).
              REST       {facts.RestUrl}   (OpenAPI: {facts.RestUrl}/openapi/v1.json)
              gRPC       {facts.GrpcUrl}   (h2c, reflection on)
              cluster    {facts.ClusterUrl}   (internal: workers register here)
              metrics    {(facts.MetricsUrl.Length == 0 ? "off (Platform:MetricsUrl=none)" : facts.MetricsUrl)}   (Prometheus; control plane and workers)
              workers    {string.Join(", ", workers.Select(w => $"{w.Id} {w.AdvertiseUrl}"))}
              data       {settings.DataDirectory}
              database   {(postgres is null ? "ConnectionStrings:Platform" : $"private PostgreSQL on 127.0.0.1:{postgres.Port}, data in {Path.Combine(settings.DataDirectory, "postgres")}{(postgres.Created ? " (new)" : " (reused)")}")}
              admin key  {facts.AdminKey}
              demo key   {facts.DemoApiKey}

            Deployed hello (version {demo.Version}) to tenant demo and invoked it on {demo.Worker}: {demo.Output}

            {ApiLine(demo)}

            Try it:
              curl -s -X POST -H 'Authorization: Bearer {facts.DemoApiKey}' --data 'Ada' {facts.RestUrl}/v1/functions/hello/invoke
            {ApiCurl(facts, demo)}

            These facts are in {factsPath}. Press Ctrl-C to stop.
            """);
    }

    private static string ApiLine(Demo demo) => demo.ApiVersion is { } version
        ? $"Deployed api (version {version}), the C HTTP API example, as a public HTTP function of tenant demo."
        : $"The HTTP API example (function api) was not deployed: {ApiModule} is missing; build it with examples/build.sh.";

    private static string ApiCurl(DevFacts facts, Demo demo)
    {
        if (demo.ApiVersion is null) return string.Empty;
        var rest = new Uri(facts.RestUrl);
        return $$"""
              curl -s {{facts.RestUrl}}/fn/demo/api/api/health
              curl -s -X POST --data '{"n": 50}' http://api.demo.{{DevBaseDomain}}:{{rest.Port}}/api/compute
            """;
    }
}
