using System.Text.RegularExpressions;

namespace Platform.Operations.Tests;

/// <summary>
/// docker-compose.yml validated by docker-compose itself (offline, no Docker engine needed), then
/// read as YAML for what `config` cannot know: scalable workers, health-gated start, secrets only
/// from the environment, mounted files that exist.
/// </summary>
public sealed partial class ComposeTests(ITestOutputHelper output)
{
    private static string ComposeFile => Repository.PathOf("docker-compose.yml");

    private static string EnvExample => Repository.PathOf(".env.example");

    /// <summary>docker-compose must not pick up a developer's own .env or shell variables.</summary>
    private static readonly Dictionary<string, string?> CleanEnvironment = new()
    {
        ["POSTGRES_PASSWORD"] = null,
        ["PLATFORM_ADMIN_KEY"] = null,
        ["PLATFORM_CLUSTER_TOKEN"] = null,
        ["GRAFANA_ADMIN_PASSWORD"] = null,
        ["COMPOSE_FILE"] = null,
        ["COMPOSE_PROJECT_NAME"] = null,
    };

    [Fact]
    public async Task ComposeConfig_WithEveryVariableSet_IsValid()
    {
        var compose = Tools.Require("docker-compose");
        var env = await FilledEnvFileAsync();
        try
        {
            var result = await Tools.RunAsync(compose, ["--env-file", env, "--file", ComposeFile, "config", "-q"], environment: CleanEnvironment);
            output.WriteLine($"docker-compose --env-file <.env.example filled in> config -q: exit {result.ExitCode} {result.Output}");
            Assert.True(result.ExitCode == 0, result.Output);
        }
        finally
        {
            File.Delete(env);
        }
    }

    [Fact]
    public async Task ComposeConfig_EnvExampleAsShipped_RefusesForTheMissingSecrets()
    {
        // .env.example carries no usable secret: used as it is, compose stops and names one.
        var compose = Tools.Require("docker-compose");
        var result = await Tools.RunAsync(compose, ["--env-file", EnvExample, "--file", ComposeFile, "config", "-q"], environment: CleanEnvironment);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Matches("set (POSTGRES_PASSWORD|PLATFORM_ADMIN_KEY|PLATFORM_CLUSTER_TOKEN|GRAFANA_ADMIN_PASSWORD) in .env", result.Output);
        foreach (var line in File.ReadAllLines(EnvExample).Where(l => !l.StartsWith('#') && l.Contains('=', StringComparison.Ordinal)))
        {
            var (name, value) = (line[..line.IndexOf('=', StringComparison.Ordinal)], line[(line.IndexOf('=', StringComparison.Ordinal) + 1)..]);
            if (name.Contains("PASSWORD", StringComparison.Ordinal) || name.Contains("KEY", StringComparison.Ordinal) || name.Contains("TOKEN", StringComparison.Ordinal))
                Assert.True(value.Length == 0, $"{name} has a default value in .env.example");
        }
    }

    /// <summary>.env.example with a fresh random value for every empty variable.</summary>
    private static async Task<string> FilledEnvFileAsync()
    {
        var lines = File.ReadAllLines(EnvExample).Select(l => l.EndsWith('=') && !l.StartsWith('#')
            ? l + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32))
            : l);
        var path = Path.Combine(Path.GetTempPath(), $"platform-ops-filled-{Guid.NewGuid():N}.env");
        await File.WriteAllLinesAsync(path, lines);
        return path;
    }

    [Fact]
    public async Task ComposeConfig_WithoutSecrets_RefusesNamingTheVariable()
    {
        var compose = Tools.Require("docker-compose");
        var empty = Path.Combine(Path.GetTempPath(), $"platform-ops-empty-{Guid.NewGuid():N}.env");
        await File.WriteAllTextAsync(empty, "# nothing\n");
        try
        {
            var result = await Tools.RunAsync(compose, ["--env-file", empty, "--file", ComposeFile, "config", "-q"], environment: CleanEnvironment);
            output.WriteLine($"without secrets: exit {result.ExitCode} {result.Output}");
            Assert.NotEqual(0, result.ExitCode);
            Assert.Matches("set (POSTGRES_PASSWORD|PLATFORM_ADMIN_KEY|PLATFORM_CLUSTER_TOKEN|GRAFANA_ADMIN_PASSWORD) in .env", result.Output);
        }
        finally
        {
            File.Delete(empty);
        }
    }

    [Fact]
    public async Task ComposeFile_Services_AreWiredForOperation()
    {
        // What compose itself makes of the file (anchors merged, variables substituted).
        var compose = Tools.Require("docker-compose");
        var env = await FilledEnvFileAsync();
        var result = await Tools.RunAsync(compose, ["--env-file", env, "--file", ComposeFile, "config"], environment: CleanEnvironment);
        File.Delete(env);
        Assert.True(result.ExitCode == 0, result.Output);
        var resolved = Path.Combine(Path.GetTempPath(), $"platform-ops-compose-{Guid.NewGuid():N}.yml");
        await File.WriteAllTextAsync(resolved, result.Stdout);
        Yaml.Map config;
        try
        {
            config = Yaml.Load(resolved);
        }
        finally
        {
            File.Delete(resolved);
        }

        var services = config.M("services");
        Assert.Equal(["control-plane", "grafana", "jaeger", "otel-collector", "postgres", "prometheus", "worker"], services.Keys.Order(StringComparer.Ordinal));

        var postgres = services.M("postgres");
        Assert.StartsWith("postgres:15", postgres.S("image"), StringComparison.Ordinal);
        Assert.Contains(postgres.L("volumes").Cast<string>(), v => v.StartsWith("postgres-data:", StringComparison.Ordinal));
        Assert.Contains("pg_isready", string.Join(' ', postgres.M("healthcheck").L("test").Cast<string>()), StringComparison.Ordinal);
        Assert.True(config.M("volumes").ContainsKey("postgres-data"));

        var controlPlane = services.M("control-plane");
        Assert.Equal(["--role", "control-plane"], controlPlane.L("command").Cast<string>());
        Assert.Equal("service_healthy", controlPlane.M("depends_on").M("postgres").S("condition"));
        Assert.Equal("deploy/Dockerfile", controlPlane.M("build").S("dockerfile"));

        // Scalable with --scale worker=N: nothing that two replicas cannot share.
        var worker = services.M("worker");
        Assert.Equal(["--role", "worker"], worker.L("command").Cast<string>());
        Assert.False(worker.ContainsKey("container_name"), "a fixed container_name prevents --scale");
        Assert.False(worker.ContainsKey("ports"), "published host ports prevent --scale");
        Assert.False(worker.ContainsKey("hostname"), "a fixed hostname would make every replica advertise the same URL");
        var workerEnvironment = worker.M("environment");
        Assert.Equal("http://0.0.0.0:8090", workerEnvironment.S("Platform__WorkerUrl"));
        Assert.False(workerEnvironment.ContainsKey("Platform__WorkerAdvertiseUrl"), "each replica advertises its own hostname");
        Assert.Equal("http://control-plane:8082", workerEnvironment.S("Platform__ControlPlaneUrl"));
        Assert.Equal("http://0.0.0.0:8082", controlPlane.M("environment").S("Platform__ClusterUrl"));
        // Only the public REST and gRPC ports are published; the cluster API and metrics stay on the compose network.
        var published = (controlPlane.MaybeL("ports") ?? []).Select(p => p is Yaml.Map map ? map.S("target") : p!.ToString()!.Split(':')[^1].Split('/')[0]).Order(StringComparer.Ordinal);
        Assert.Equal(["8080", "8081"], published);
        Assert.Equal("2", worker.M("deploy").S("replicas"));

        // Prometheus discovers the scaled workers by the service name, on the port they serve /metrics on.
        var workerJob = Yaml.Load(Repository.Deploy("prometheus", "prometheus.yml")).Maps("scrape_configs").Single(j => j.S("job_name") == "platform-worker");
        var discovery = workerJob.Maps("dns_sd_configs").Single();
        Assert.Equal(["worker"], discovery.L("names").Cast<string>());
        Assert.EndsWith(":" + discovery.S("port"), workerEnvironment.S("Platform__MetricsUrl"), StringComparison.Ordinal);
        var controlPlaneJob = Yaml.Load(Repository.Deploy("prometheus", "prometheus.yml")).Maps("scrape_configs").Single(j => j.S("job_name") == "platform-control-plane");
        Assert.Equal(["control-plane"], controlPlaneJob.Maps("dns_sd_configs").Single().L("names").Cast<string>());
        Assert.EndsWith(":" + controlPlaneJob.Maps("dns_sd_configs").Single().S("port"), controlPlane.M("environment").S("Platform__MetricsUrl"), StringComparison.Ordinal);
    }

    [Fact]
    public void ComposeFile_Secrets_ComeOnlyFromTheEnvironment()
    {
        var services = Yaml.Load(ComposeFile).M("services");
        string[] secretKeys = ["POSTGRES_PASSWORD", "Platform__AdminKey", "Platform__ClusterToken", "GF_SECURITY_ADMIN_PASSWORD"];
        var seen = 0;
        foreach (var (name, value) in services)
        {
            var environment = ((Yaml.Map)value!).MaybeM("environment");
            if (environment is null)
                continue;
            foreach (var key in secretKeys.Where(environment.ContainsKey))
            {
                seen++;
                Assert.Matches(WholeRequiredVariable(), environment.S(key));
            }

            if (environment.MaybeS("ConnectionStrings__Platform") is { } connectionString)
                Assert.Contains("Password=${POSTGRES_PASSWORD:?", connectionString, StringComparison.Ordinal);
        }

        Assert.Equal(5, seen);

        // .env.example documents every variable the compose file requires.
        var required = RequiredVariable().Matches(File.ReadAllText(ComposeFile)).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
        var documented = File.ReadAllLines(EnvExample).Where(l => !l.StartsWith('#') && l.Contains('=', StringComparison.Ordinal)).Select(l => l[..l.IndexOf('=', StringComparison.Ordinal)]).ToHashSet(StringComparer.Ordinal);
        Assert.Empty(required.Except(documented));
        output.WriteLine($"required from the environment: {string.Join(", ", required.Order(StringComparer.Ordinal))}");
    }

    [Fact]
    public void ComposeFile_MountedFiles_ExistInTheRepository()
    {
        var services = Yaml.Load(ComposeFile).M("services");
        var mounts = services.Values.Cast<Yaml.Map>()
            .SelectMany(s => s.MaybeL("volumes") ?? [])
            .OfType<string>()
            .Where(v => v.StartsWith("./", StringComparison.Ordinal))
            .Select(v => v.Split(':')[0])
            .ToList();
        Assert.Contains("./deploy/prometheus", mounts);
        Assert.Contains("./deploy/grafana/provisioning", mounts);
        Assert.Contains("./deploy/grafana/dashboards", mounts);
        Assert.Contains("./deploy/otel-collector/config.yaml", mounts);
        foreach (var mount in mounts)
            Assert.True(Path.Exists(Repository.PathOf(mount[2..])), $"{mount} is mounted but does not exist");

        // Grafana's provisioning points at the paths compose mounts.
        var grafanaVolumes = services.M("grafana").L("volumes").Cast<string>().ToList();
        var dashboardsMount = grafanaVolumes.Single(v => v.StartsWith("./deploy/grafana/dashboards:", StringComparison.Ordinal)).Split(':')[1];
        var provider = Yaml.Load(Repository.Deploy("grafana", "provisioning", "dashboards", "dashboards.yml")).Maps("providers").Single();
        Assert.Equal(dashboardsMount, provider.M("options").S("path"));
        Assert.Equal(dashboardsMount + "/platform-overview.json", services.M("grafana").M("environment").S("GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"));
    }

    [Fact]
    public void OtelCollectorConfig_Pipelines_ReferOnlyToDefinedComponents()
    {
        var config = Yaml.Load(Repository.Deploy("otel-collector", "config.yaml"));
        var service = config.M("service");
        Assert.Equal(["logs", "metrics", "traces"], service.M("pipelines").Keys.Order(StringComparer.Ordinal));
        foreach (var (name, value) in service.M("pipelines"))
        {
            var pipeline = (Yaml.Map)value!;
            foreach (var kind in new[] { "receivers", "processors", "exporters" })
            {
                foreach (var component in pipeline.MaybeL(kind)?.Cast<string>() ?? [])
                    Assert.True(config.M(kind).ContainsKey(component), $"pipeline {name} uses {kind} '{component}', which is not defined");
            }
        }

        foreach (var extension in service.L("extensions").Cast<string>())
            Assert.True(config.M("extensions").ContainsKey(extension), $"extension {extension} is not defined");
        Assert.Equal(["otlp/jaeger"], service.M("pipelines").M("traces").L("exporters").Cast<string>());
    }

    /// <summary><c>${NAME:?message}</c> anywhere: a variable compose refuses to run without.</summary>
    [GeneratedRegex(@"\$\{([A-Z_]+):\?")]
    private static partial Regex RequiredVariable();

    /// <summary>A value that is nothing but a required variable.</summary>
    [GeneratedRegex(@"^\$\{[A-Z_]+:\?[^}]+\}$")]
    private static partial Regex WholeRequiredVariable();
}
