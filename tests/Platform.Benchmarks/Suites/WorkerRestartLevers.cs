using System.Diagnostics;
using System.Globalization;
using System.Net;
using Grpc.Core;
using Grpc.Net.Client;
using Platform.Contracts.V1;
using Platform.Testing;
using Platform.Testing.Processes;

namespace Platform.Benchmarks.Suites;

internal static partial class EndToEnd
{
    /// <summary>
    /// The first invoke through the control plane after a worker restart, with and without the
    /// worker's warm-up before it registers, interleaved on one topology-B cluster (<c>--restart</c>).
    /// </summary>
    public static async Task RunRestartAsync(Report report, bool quick)
    {
        var loadBefore = LoadAverage();
        var repetitions = quick ? 3 : 6;
        (string Name, string[] Arguments)[] variants =
        [
            ("warm-up before registering (default)", []),
            ("no warm-up (`--Platform:WarmUpBeforeRegister=false`)", ["--Platform:WarmUpBeforeRegister=false"]),
        ];

        var wat = await File.ReadAllBytesAsync(Path.Combine(GuestModules.RepositoryRoot, "examples", "wat", "hello.wat"));
        var (split, api, _) = await StartTopologyBAsync(wat);
        await using var cluster = split;
        using var admin = api;
        // The control plane warm, as it is when one of its workers restarts.
        for (var i = 0; i < 500; i++) await api.InvokeAsync(Function, Input);

        var clusterHeaders = new Metadata { { "x-platform-cluster-token", ProcessCluster.ClusterToken } };
        var firstMs = variants.ToDictionary(v => v.Name, _ => new List<double>());
        var rows = new List<IReadOnlyList<string>>();
        for (var rep = 1; rep <= repetitions; rep++)
        {
            foreach (var (name, arguments) in variants)
            {
                var before = (await api.WorkersAsync()).Single(w => w.Id == ProcessCluster.WorkerId(0));
                await split.Worker(0)!.StopAsync(TimeSpan.FromSeconds(30));
                var started = Stopwatch.GetTimestamp();
                split.StartWorker(0, arguments);
                await UntilRegisteredAsync(api, split, before.RegisteredAt, TimeSpan.FromMinutes(1));
                var liveMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;

                var t = Stopwatch.GetTimestamp();
                var first = await api.InvokeAsync(Function, Input);
                var ms = Stopwatch.GetElapsedTime(t).TotalMilliseconds;
                if (first.Status != HttpStatusCode.OK || first.Body != Expected) throw new InvalidOperationException($"first invoke after restart: {(int)first.Status} {first.Body}");
                t = Stopwatch.GetTimestamp();
                await api.InvokeAsync(Function, Input);
                var nextMs = Stopwatch.GetElapsedTime(t).TotalMilliseconds;
                firstMs[name].Add(ms);

                using var direct = GrpcChannel.ForAddress(split.WorkerUris[0]);
                var status = await new WorkerService.WorkerServiceClient(direct).StatusAsync(new WorkerStatusRequest(), clusterHeaders, DateTime.UtcNow.AddSeconds(10));
                if (status.Compiles != 0) throw new InvalidOperationException($"the restarted worker compiled {status.Compiles} modules: not served from its disk cache");
                rows.Add([rep.ToString(CultureInfo.InvariantCulture), name, $"{liveMs:0}", $"**{ms:0.0}**", $"{first.DurationMs:0.###}", $"{nextMs:0.0}", LoadAverage()]);
            }
        }

        report.Heading("End to end: first invoke after a worker restart, warm-up on and off (6)");
        report.Paragraph("Topology B (control plane and ONE worker as separate processes, Release), as in the restart section; the two variants alternate on the same cluster. "
            + "Each repetition: SIGTERM the worker, start it again on the same `CacheDir` (with the variant's arguments), poll `GET /v1/workers` every 10 ms until it shows a newer `registeredAt`, "
            + $"then time the first REST invoke of `bench-hello` through the control plane. Servers built from {SourceRevision()}. Load average before: {loadBefore}.");
        report.Table(["rep", "variant", "start → registered ms", "first invoke ms", "sandbox ms (worker)", "next invoke ms", "load average"], rows);
        report.Table(["variant", "first invoke median ms", "range ms", "repetitions"],
            variants.Select(v => (IReadOnlyList<string>)[v.Name, $"**{Median(firstMs[v.Name]):0.0}**", $"{firstMs[v.Name].Min():0.0}–{firstMs[v.Name].Max():0.0}", firstMs[v.Name].Count.ToString(CultureInfo.InvariantCulture)]));
        report.Paragraph($"Load average after: {LoadAverage()}.");
    }
}
