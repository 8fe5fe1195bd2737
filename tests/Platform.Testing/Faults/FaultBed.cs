using System.Diagnostics;
using Platform.Testing.Processes;

namespace Platform.Testing.Faults;

/// <summary>
/// The common start of every fault scenario: the platform as separate processes
/// (<see cref="ProcessCluster"/>), a tenant <c>acme</c> with its rate and concurrency quotas lifted
/// (the scenarios measure faults, not the default quota) and the echo function deployed with a
/// 2 s timeout, invoked until it answers so its metadata and module are warm.
/// </summary>
public sealed class FaultBed : IAsyncDisposable
{
    public const string Tenant = "acme";
    public const string EchoFunction = "echo";
    public const int EchoTimeoutMs = 2000;

    /// <summary>What the control plane allows a call: the function's timeout plus its 5 s margin.</summary>
    public static readonly TimeSpan Deadline = TimeSpan.FromMilliseconds(EchoTimeoutMs) + TimeSpan.FromSeconds(5);

    /// <summary>The load's own bound per request: well past the deadline, so a hang shows as <c>client-timeout</c>.</summary>
    public static readonly TimeSpan ClientTimeout = Deadline + TimeSpan.FromSeconds(5);

    /// <summary>How often the control plane adds usage to PostgreSQL (its default): what a kill -9 may lose.</summary>
    public static readonly TimeSpan UsageFlushInterval = TimeSpan.FromSeconds(5);

    private FaultBed(ProcessCluster cluster, PlatformApi api)
    {
        Cluster = cluster;
        Api = api;
    }

    public ProcessCluster Cluster { get; }

    /// <summary>The OK invocations of the echo function made while starting (they count in usage).</summary>
    public IReadOnlyList<Sample> WarmUp { get; private set; } = [];

    /// <summary>A client with the admin key and <see cref="Tenant"/>'s key.</summary>
    public PlatformApi Api { get; }

    public static async Task<FaultBed> StartAsync(int workers = 3, IEnumerable<string>? controlPlaneArguments = null, IEnumerable<string>? workerArguments = null)
    {
        var cluster = await ProcessCluster.StartAsync(workers, controlPlaneArguments, workerArguments);
        var api = cluster.AdminApi();
        try
        {
            await api.CreateTenantAsync(Tenant);
            await api.LiftRateLimitsAsync(Tenant);
            await api.DeployAsync(EchoFunction, FaultModules.Echo, new { timeoutMs = EchoTimeoutMs });
            var bed = new FaultBed(cluster, api);
            bed.WarmUp = await bed.UntilOkAsync(EchoFunction, 20, TimeSpan.FromSeconds(60));
            return bed;
        }
        catch
        {
            api.Dispose();
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>Invokes <paramref name="function"/> until <paramref name="count"/> answers in a row were OK (bounded); returns them.</summary>
    public async Task<IReadOnlyList<Sample>> UntilOkAsync(string function, int count, TimeSpan timeout, PlatformApi? api = null, bool checkEcho = true)
    {
        var started = Stopwatch.GetTimestamp();
        var run = new List<Sample>();
        for (var i = 0; run.Count < count; i++)
        {
            var sample = await SteadyLoad.InvokeAsync(api ?? Api, function, i, Stopwatch.GetElapsedTime(started), ClientTimeout, checkEcho);
            if (sample.Ok) run.Add(sample);
            else run.Clear();
            if (Stopwatch.GetElapsedTime(started) > timeout)
                throw new TimeoutException($"{function} did not answer OK {count} times in a row within {timeout}; last: {sample}\n{Cluster.ControlPlane?.Tail(20)}");
            if (!sample.Ok) await Task.Delay(100);
        }

        return run;
    }

    /// <summary>
    /// After one usage flush interval (and a margin), the OK answers this bed's invocations got
    /// (the warm-up's and <paramref name="samples"/>) against the OK invocations usage counted.
    /// </summary>
    public async Task<(long OkAnswers, long UsageOk)> UsageAfterFlushAsync(IEnumerable<Sample> samples)
    {
        await Task.Delay(UsageFlushInterval + TimeSpan.FromSeconds(2));
        var usage = await Api.UsageOutcomesAsync();
        return (samples.Count(s => s.Ok) + WarmUp.Count, usage.GetValueOrDefault("OK"));
    }

    /// <summary>The resident memory of the control plane and of each running worker, in MiB.</summary>
    public IReadOnlyDictionary<string, double> ResidentMiB()
    {
        var result = new Dictionary<string, double>();
        if (Cluster.ControlPlane?.ResidentBytes() is { } cp) result["control plane"] = cp / 1048576.0;
        for (var i = 0; i < Cluster.WorkerCount; i++)
        {
            if (Cluster.Worker(i)?.ResidentBytes() is { } bytes) result[$"worker {ProcessCluster.WorkerId(i)}"] = bytes / 1048576.0;
        }

        return result;
    }

    public async ValueTask DisposeAsync()
    {
        Api.Dispose();
        await Cluster.DisposeAsync();
    }
}
