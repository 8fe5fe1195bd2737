using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Google.Protobuf;
using Google.Rpc;
using Grpc.Core;
using Grpc.Net.Client;
using Npgsql;
using Platform.Benchmarks.EndToEnd;
using Platform.Contracts.V1;
using Platform.Runtime;
using Platform.Testing;
using Platform.Testing.Processes;

namespace Platform.Benchmarks.Suites;

/// <summary>
/// The invoke path's targets (issues 4 and 11): the running platform measured from outside with a
/// real load generator (<c>hey</c>) and a gRPC client, side by side with a bare Kestrel echo (the
/// floor of any HTTP hop here) and the in-process sandbox figures; the same load against a second
/// <c>dev</c> platform with the levers off (the previous defaults), interleaved in the same rounds;
/// the control plane and two workers as separate processes; cold start of a 145 KB module with
/// the compiles on its path counted; the first invoke after a worker restart.
/// </summary>
internal static partial class EndToEnd
{
    /// <summary>Every heading of this suite starts with it (the results file is cut there by <c>--e2e</c>).</summary>
    public const string HeadingPrefix = "End to end";

    private const string Function = "bench-hello";
    private const string Input = "Ada";
    private const string Expected = "Hello, Ada!\n";
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    private sealed record Settings(
        int C1Rounds, int C1Iterations, int C1Warmup,
        int HeyC1Rounds, int HeyC1Requests,
        int C32Rounds, TimeSpan C32Duration,
        int ColdReps, string[] RestartOrder, TimeSpan WarmUp, TimeSpan Idle)
    {
        public static Settings Full { get; } = new(5, 600, 200, 3, 1000, 2, TimeSpan.FromSeconds(10), 7,
            ["cp", "direct", "cp", "status", "cp", "direct", "cp", "status", "cp"], TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(5));

        public static Settings Quick { get; } = new(2, 100, 50, 1, 300, 1, TimeSpan.FromSeconds(3), 3, ["cp", "direct", "status"], TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(2));
    }

    /// <summary>
    /// The levers off, as the previous defaults had them: every request's key looked up in
    /// PostgreSQL, 8 calls queued per worker (4 × the 2 slots of this machine) for at most 20 ms,
    /// every trace recorded.
    /// </summary>
    private static readonly string[] LeversOff = ["--Platform:Cache:KeyMaxAge=00:00:00", "--Platform:MaxQueuedInvocations=8", "--Platform:QueueTimeout=00:00:00.020", "--Platform:Telemetry:TraceSampleRatio=1", "--Platform:Cluster:InProcessWorkerCalls=false"];

    /// <summary>Collected across the parts for the targets table and the analysis.</summary>
    private sealed class Findings
    {
        public Series? Floor, Rest, Grpc, WorkerDirect, PgAuth, Sandbox, SandboxC, SandboxCOnDemand;
        public HeyAggregate? HeyFloorC1, HeyRestC1, HeyFloorC32, HeyRestC32, HeyRestC1Before, HeyRestC32Before;
        public List<LoadResult> DotnetC32 = [];
        public List<double> ColdMs = [];
        public List<long> ColdCompiles = [];
        public List<double> RestartMs = [];
        public CpuLedger? CpuA, CpuB, CpuSplit;
        public HeyAggregate? SplitFloorC32, SplitRestC32, SplitFloorC1, SplitRestC1;
        public List<LoadResult> SplitGrpcC32 = [];
        public double SplitLogLinesPerRequest = double.NaN;
    }

    private const string Idle = "idle: no requests, first window after the warm-up";
    private const string Idle2 = "idle: no requests, second window";

    /// <summary>Two idle windows right after load: the first still holds the JIT's background tiering, the second is the process at rest.</summary>
    private static void MeasureIdle(CpuLedger cpu, Settings settings)
    {
        cpu.Measure(Idle, () => { Thread.Sleep(settings.Idle); return 0L; }, _ => 0);
        cpu.Measure(Idle2, () => { Thread.Sleep(settings.Idle); return 0L; }, _ => 0);
    }

    private static void WarmUp(Settings settings, Uri url, string? bearer) =>
        Hey.Run("warm-up", url, Input, bearer, 32, null, settings.WarmUp, settings.WarmUp + TimeSpan.FromMinutes(1));

    private const string DevProcess = "Platform.Server dev (control plane + 2 workers)";
    private const string Postgres = "PostgreSQL (postmaster + backends)";
    private const string FloorProcess = "floor process";
    private const string ControlPlaneProcess = "control plane process";
    private const string WorkerProcess = "worker process";
    private const string BeforeProcess = "dev, levers off";
    private const string BeforePostgres = "PostgreSQL of dev, levers off";
    private const string Worker2Process = "worker 2 process";

    public static async Task RunAsync(Report report, bool quick)
    {
        if (!Hey.IsInstalled()) throw new InvalidOperationException("`hey` is not installed: apt-get install -y hey");
        var settings = quick ? Settings.Quick : Settings.Full;
        var findings = new Findings();
        var loadBefore = LoadAverage();
        var clock = Stopwatch.StartNew();

        report.Heading("End to end: invoke through the running platform (issues 4 and 11)");
        report.Paragraph(
            "Measured from outside the servers, all on loopback, in one run. **Floor**: a bare Kestrel endpoint echoing its body "
            + "(`Platform.Benchmarks --floor-server`, a minimal `WebApplication` in a CHILD process, server GC and Warning logging like Platform.Server). "
            + "**Platform (topology A)**: `Platform.Server dev` as a child process (Release build): its private PostgreSQL, the control plane and "
            + "2 workers in one process talking gRPC over loopback (the README's first command), log level Warning (Information only for the worker's per-upload "
            + "compile lines). The function is `examples/wat/hello.wat` deployed as `bench-hello`; every invocation sends `Ada` and must answer `Hello, Ada!`. "
            + "**Levers off**: a second `dev` platform, alive at the same time, started with `" + string.Join(' ', LeversOff) + "` (the previous defaults: "
            + "the API key looked up in PostgreSQL on every request, 8 calls queued per worker for at most 20 ms, every trace recorded, the workers called over loopback gRPC); its runs are interleaved with the platform's in the same rounds. "
            + "**Separate processes**: a throwaway PostgreSQL (a throwaway `LocalPostgres`, fsync off), `--role control-plane` (at the default log level, Information) and TWO `--role worker` processes. "
            + "**Topology B** (worker restart): the same with ONE worker. "
            + $"REST load: `hey` {Hey.Version} (Go, separate process). gRPC and the µs-resolution latency: .NET clients in this benchmark process (workstation GC). "
            + $"Servers built from {SourceRevision()}. Load average before the suite: {loadBefore}. "
            + "The benchmark tenants' rate and concurrency quotas are lifted (`PUT /v1/tenants/NAME/quotas`; defaults 100/s, burst 200, 16 at once) so that the platform, not a quota, is measured.");

        var wat = await File.ReadAllBytesAsync(Path.Combine(GuestModules.RepositoryRoot, "examples", "wat", "hello.wat"));
        var (floorProcess, floorUrl) = await FloorServer.StartAsync();
        await using (floorProcess)
        {
            await using var dev = await DevPlatform.StartAsync([]);
            using var api = new PlatformApi(new Uri(dev.Facts.RestUrl), new Uri(dev.Facts.GrpcUrl), dev.Facts.AdminKey, dev.Facts.DemoApiKey);
            await api.LiftRateLimitsAsync("demo");
            var deployed = await api.DeployAsync(Function, wat, "text/plain");
            await UntilOkAsync(api, Function, TimeSpan.FromSeconds(30));

            await using (var before = await DevPlatform.StartAsync(LeversOff))
            {
                using var beforeApi = new PlatformApi(new Uri(before.Facts.RestUrl), new Uri(before.Facts.GrpcUrl), before.Facts.AdminKey, before.Facts.DemoApiKey);
                await beforeApi.LiftRateLimitsAsync("demo");
                await beforeApi.DeployAsync(Function, wat, "text/plain");
                await UntilOkAsync(beforeApi, Function, TimeSpan.FromSeconds(30));

                var cpu = new CpuLedger(new CpuMeter(
                    (DevProcess, () => [dev.Process.Id]),
                    (Postgres, () => CpuMeter.PostgresProcesses(dev.PostgresDataDirectory)),
                    (BeforeProcess, () => [before.Process.Id]),
                    (BeforePostgres, () => CpuMeter.PostgresProcesses(before.PostgresDataDirectory)),
                    (FloorProcess, () => [floorProcess.Id])));
                findings.CpuA = cpu;

                // JIT tiering takes tens of seconds of load to settle on two busy cores: warm every server first.
                WarmUp(settings, floorUrl, null);
                WarmUp(settings, new Uri(api.Rest, $"/v1/functions/{Function}/invoke"), api.TenantKey);
                WarmUp(settings, new Uri(beforeApi.Rest, $"/v1/functions/{Function}/invoke"), beforeApi.TenantKey);
                await Load.ClosedLoopAsync("warm-up", 32, settings.WarmUp / 2, 10_000_000, t => GrpcCall(api, t));
                await Load.ClosedLoopAsync("warm-up", 32, settings.WarmUp / 2, 10_000_000, t => GrpcCall(beforeApi, t));
                MeasureIdle(cpu, settings);

                await LatencyAtConcurrencyOneAsync(report, settings, findings, dev, api, deployed, floorUrl, wat);
                HeyAtConcurrencyOne(report, settings, findings, api, beforeApi, floorUrl, cpu);
                ThroughputAtConcurrency32(report, settings, findings, api, beforeApi, floorUrl, cpu);
            }

            await ColdStartAsync(report, settings, findings, dev, api);
            await SeparateProcessesAsync(report, settings, findings, wat, floorUrl, floorProcess);
        }

        await HistoryCostAsync(report, settings, wat);
        await WorkerRestartAsync(report, settings, findings, wat);
        Targets(report, findings);
        Analysis(report, findings);
        report.Paragraph($"Suite took {clock.Elapsed.TotalMinutes:0.0} min; load average before {loadBefore}, after {LoadAverage()}.");
    }

    // ---------------------------------------------------------------- concurrency 1, µs resolution

    private static async Task LatencyAtConcurrencyOneAsync(Report report, Settings settings, Findings findings, DevPlatform dev, PlatformApi api, Deployed deployed, Uri floorUrl, byte[] wat)
    {
        using var floorHttp = new HttpClient(new SocketsHttpHandler { PooledConnectionIdleTimeout = TimeSpan.FromMinutes(10) }) { Timeout = TimeSpan.FromSeconds(30) };
        async Task Floor()
        {
            using var response = await floorHttp.PostAsync(floorUrl, new StringContent(Input, Encoding.UTF8, "text/plain"));
            if (response.StatusCode != HttpStatusCode.OK || await response.Content.ReadAsStringAsync() != Input) throw new InvalidOperationException($"floor answered {response.StatusCode}");
        }

        async Task Rest()
        {
            var r = await api.InvokeAsync(Function, Input);
            if (r.Status != HttpStatusCode.OK || r.Body != Expected) throw new InvalidOperationException($"REST invoke answered {(int)r.Status} {r.Body}");
        }

        var grpcInput = ByteString.CopyFromUtf8(Input);
        async Task Grpc()
        {
            var r = await api.Invocations.InvokeAsync(new InvokeRequest { Function = Function, Input = grpcInput }, api.TenantHeaders, DateTime.UtcNow.AddSeconds(30));
            if (r.Output.ToStringUtf8() != Expected) throw new InvalidOperationException($"gRPC invoke answered {r.Output.ToStringUtf8()}");
        }

        // One hop, no control plane: the worker's own gRPC Invoke with the cluster token.
        var workerUrl = (await api.WorkersAsync()).First(w => w.Live).Url;
        using var workerChannel = GrpcChannel.ForAddress(workerUrl);
        var worker = new WorkerService.WorkerServiceClient(workerChannel);
        var clusterHeaders = new Metadata { { "x-platform-cluster-token", dev.ClusterToken } };
        async Task WorkerDirect()
        {
            var r = await worker.InvokeAsync(new WorkerInvokeRequest
            {
                InvocationId = Guid.NewGuid().ToString("N"),
                Tenant = "demo",
                Function = Function,
                Version = deployed.Version,
                ModuleSha256 = deployed.Sha256,
                Input = grpcInput,
            }, clusterHeaders, DateTime.UtcNow.AddSeconds(30));
            if (r.Outcome != InvocationOutcome.Ok || r.Output.ToStringUtf8() != Expected) throw new InvalidOperationException($"worker answered {r.Outcome} {r.Message}");
        }

        // The invoke path's PostgreSQL round trip, as the control plane runs it: the API-key lookup
        // (Authenticator.AuthenticateAsync, always from PostgreSQL so that a revoked key fails at
        // once), on a pooled connection of its own (Db.RunAsync). Quotas and the resolved function
        // come from the control plane's metadata cache.
        await using var pg = NpgsqlDataSource.Create(dev.PostgresConnectionString);
        var keyHash = SHA256.HashData(Encoding.UTF8.GetBytes(api.TenantKey));
        async Task Query(string sql, params (string Name, object Value)[] parameters)
        {
            await using var connection = await pg.OpenConnectionAsync();
            await using var command = new NpgsqlCommand(sql, connection);
            foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
            await using var reader = await command.ExecuteReaderAsync();
            var rows = 0;
            while (await reader.ReadAsync()) rows++;
            if (rows != 1) throw new InvalidOperationException($"{rows} rows from {sql}");
        }

        // The same module in this process, as Suites/InvocationLatency runs the sandbox.
        var cacheRoot = Path.Combine(Path.GetTempPath(), "platform-bench", Guid.NewGuid().ToString("N"));
        using var engine = new WasmEngine(new RuntimeOptions { CacheDir = cacheRoot });
        var executor = new FunctionExecutor(engine);
        var module = engine.InProcessCache().GetOrCompile(Wasmtime.Module.ConvertText(Encoding.UTF8.GetString(wat)));
        // The 145 KB C hello (wasi-libc) in process: the default engine (pooling allocator) and the previous default, Wasmtime's on-demand allocator (its own engine).
        var cHello = GuestModules.Bytes("hello");
        var cModule = engine.InProcessCache().GetOrCompile(cHello);
        using var onDemandEngine = new WasmEngine(new RuntimeOptions { CacheDir = Path.Combine(cacheRoot, "on-demand"), UsePoolingAllocator = false });
        var onDemandExecutor = new FunctionExecutor(onDemandEngine);
        var onDemandModule = onDemandEngine.InProcessCache().GetOrCompile(cHello);
        var request = new InvocationRequest
        {
            Input = Encoding.UTF8.GetBytes(Input),
            Args = [Function],
            Env = [new("PLATFORM_TENANT", "demo"), new("PLATFORM_FUNCTION", Function), new("PLATFORM_VERSION", "1"), new("PLATFORM_INVOCATION_ID", "0123456789abcdef0123456789abcdef")],
        };
        Task Sandbox()
        {
            var r = executor.Invoke(module, request);
            if (r.Outcome != Outcome.Ok || Encoding.UTF8.GetString(r.Output.Span) != Expected) throw new InvalidOperationException($"sandbox: {r.Outcome} {r.Message}");
            return Task.CompletedTask;
        }

        Task SandboxC(FunctionExecutor on, CompiledModule compiled)
        {
            var r = on.Invoke(compiled, request);
            if (r.Outcome != Outcome.Ok || !Encoding.UTF8.GetString(r.Output.Span).StartsWith("Hello from Platform", StringComparison.Ordinal))
                throw new InvalidOperationException($"sandbox (C hello): {r.Outcome} {r.Message}");
            return Task.CompletedTask;
        }

        var series = await Measure.InterleavedAsync(settings.C1Rounds, settings.C1Iterations, settings.C1Warmup,
            ("floor: Kestrel echo, HttpClient", Floor),
            ("REST invoke, HttpClient", Rest),
            ("gRPC invoke, Grpc.Net.Client", Grpc),
            ("worker Invoke direct (gRPC + sandbox, no control plane)", WorkerDirect),
            ("PostgreSQL: API-key lookup (Authenticator), pooled connection", () => Query(AuthSql, ("hash", keyHash))),
            ("sandbox in process (FunctionExecutor)", Sandbox),
            ("sandbox in process: C hello, 145 KB (default: pooling allocator)", () => SandboxC(executor, cModule)),
            ("sandbox in process: C hello, 145 KB (previous default: on-demand allocator)", () => SandboxC(onDemandExecutor, onDemandModule)));
        Directory.Delete(cacheRoot, recursive: true);
        findings.Floor = series[0];
        findings.Rest = series[1];
        findings.Grpc = series[2];
        findings.WorkerDirect = series[3];
        findings.PgAuth = series[4];
        findings.Sandbox = series[5];
        findings.SandboxC = series[6];
        findings.SandboxCOnDemand = series[7];

        var pgRows = await PostgresQueryCostAsync(dev, keyHash, settings);

        report.Heading("End to end: latency at concurrency 1, µs resolution (1, 2, 3, 4)");
        report.Paragraph($"One call at a time from this process; {settings.C1Rounds} interleaved rounds of {settings.C1Iterations} calls per variant after {settings.C1Warmup} warm-up calls each "
            + "(so noise from the shared machine lands on all rows alike); median = median of the round medians, spread = their range, p99 over all calls. "
            + "The last three rows are pieces of the REST path measured alone: the worker's gRPC Invoke called directly (one h2c hop + sandbox, cluster token), "
            + "the one PostgreSQL query the control plane runs for every invocation (the API-key lookup, on a pooled connection as `Db.RunAsync` does; quotas and the "
            + "resolved function come from the metadata cache), and the sandbox in process.");
        report.LatencyTable(series, series[0]);
        report.Paragraph("The API-key lookup alone, one at a time from this process, with the control plane's connection settings and with two Npgsql settings it does not use "
            + "(connection-string options; nothing in the platform changed): PostgreSQL's CPU per query (its processes, from /proc) and the latency.");
        report.Table(["API-key lookup", "median µs", "p99 µs", "PostgreSQL CPU µs/query"], pgRows);
    }

    /// <summary>What one API-key lookup costs PostgreSQL, as the control plane runs it and with two Npgsql options.</summary>
    private static async Task<List<IReadOnlyList<string>>> PostgresQueryCostAsync(DevPlatform dev, byte[] keyHash, Settings settings)
    {
        var cpu = new CpuLedger(new CpuMeter((Postgres, () => CpuMeter.PostgresProcesses(dev.PostgresDataDirectory))));
        var rows = new List<IReadOnlyList<string>>();
        var n = settings.C1Iterations * 4;
        foreach (var (name, options) in new[]
        {
            ("as the control plane runs it (pooled; state reset on return; not prepared)", ""),
            ("+ `No Reset On Close=true`", ";No Reset On Close=true"),
            ("+ `Max Auto Prepare=20` (prepared statements)", ";Max Auto Prepare=20;Auto Prepare Min Usages=2"),
            ("+ both", ";No Reset On Close=true;Max Auto Prepare=20;Auto Prepare Min Usages=2"),
        })
        {
            await using var source = NpgsqlDataSource.Create(dev.PostgresConnectionString + options);
            async Task Once()
            {
                await using var connection = await source.OpenConnectionAsync();
                await using var command = new NpgsqlCommand(AuthSql, connection);
                command.Parameters.AddWithValue("hash", keyHash);
                await using var reader = await command.ExecuteReaderAsync();
                var rows = 0;
                while (await reader.ReadAsync()) rows++;
                if (rows != 1) throw new InvalidOperationException($"{rows} rows for the API key");
            }

            for (var i = 0; i < 200; i++) await Once();
            var series = new Series(name);
            var ticks = new long[n];
            cpu.Measure(name, () =>
            {
                for (var i = 0; i < n; i++)
                {
                    var t = Stopwatch.GetTimestamp();
                    Once().GetAwaiter().GetResult();
                    ticks[i] = Stopwatch.GetElapsedTime(t).Ticks;
                }

                return n;
            }, count => count);
            series.AddRound(ticks);
            rows.Add([name, Report.F(series.MedianUs), Report.F(series.P99Us), $"{cpu.MicrosecondsPerRequest(name, Postgres):0}"]);
        }

        return rows;
    }

    private const string AuthSql = """
        SELECT k.id AS key_id, k.key_hash, t.id AS tenant_id, t.name AS tenant_name
        FROM api_keys k JOIN tenants t ON t.id = k.tenant_id
        WHERE k.key_hash = @hash AND k.revoked_at IS NULL
        """;

    // ---------------------------------------------------------------- hey, concurrency 1

    private static void HeyAtConcurrencyOne(Report report, Settings settings, Findings findings, PlatformApi api, PlatformApi before, Uri floorUrl, CpuLedger cpu)
    {
        var invokeUrl = new Uri(api.Rest, $"/v1/functions/{Function}/invoke");
        var beforeUrl = new Uri(before.Rest, $"/v1/functions/{Function}/invoke");
        var limit = TimeSpan.FromMinutes(3);
        var floor = new List<HeyResult>();
        var rest = new List<HeyResult>();
        var restBefore = new List<HeyResult>();
        for (var round = 0; round < settings.HeyC1Rounds; round++)
        {
            floor.Add(cpu.Measure("floor, hey -c 1", () => Hey.Run("floor", floorUrl, Input, null, 1, settings.HeyC1Requests, null, limit), r => r.Responses));
            rest.Add(cpu.Measure("REST invoke, hey -c 1", () => Hey.Run("REST invoke", invokeUrl, Input, api.TenantKey, 1, settings.HeyC1Requests, null, limit), r => r.Responses));
            restBefore.Add(cpu.Measure("REST invoke, levers off, hey -c 1", () => Hey.Run("REST invoke", beforeUrl, Input, before.TenantKey, 1, settings.HeyC1Requests, null, limit), r => r.Responses));
        }

        findings.HeyFloorC1 = new HeyAggregate("floor: Kestrel echo", floor);
        findings.HeyRestC1 = new HeyAggregate("REST invoke", rest);
        findings.HeyRestC1Before = new HeyAggregate("REST invoke, levers off", restBefore);
        report.Heading("End to end: REST at concurrency 1 with hey (2)");
        report.Paragraph($"`hey -n {settings.HeyC1Requests} -c 1 -m POST -d {Input} -T text/plain [-H 'Authorization: Bearer KEY'] URL`, {settings.HeyC1Rounds} rounds, floor, platform and platform with the levers off alternating, same settings. "
            + "hey prints latencies to 0.1 ms; p50/p99 = median of the rounds' values (range in brackets). Every response must be 200.");
        HeyTable(report, [findings.HeyFloorC1, findings.HeyRestC1, findings.HeyRestC1Before], findings.HeyFloorC1);
    }

    // ---------------------------------------------------------------- concurrency 32

    private static void ThroughputAtConcurrency32(Report report, Settings settings, Findings findings, PlatformApi api, PlatformApi before, Uri floorUrl, CpuLedger cpu)
    {
        var invokeUrl = new Uri(api.Rest, $"/v1/functions/{Function}/invoke");
        var beforeUrl = new Uri(before.Rest, $"/v1/functions/{Function}/invoke");
        var limit = settings.C32Duration + TimeSpan.FromMinutes(1);
        var floorHey = new List<HeyResult>();
        var restHey = new List<HeyResult>();
        var restBeforeHey = new List<HeyResult>();
        var dotnet = new List<LoadResult>();
        for (var round = 0; round < settings.C32Rounds; round++)
        {
            floorHey.Add(cpu.Measure("floor, hey -c 32", () => Hey.Run("floor", floorUrl, Input, null, 32, null, settings.C32Duration, limit), r => r.Responses));
            restHey.Add(cpu.Measure("REST invoke, hey -c 32", () => Hey.Run("REST invoke", invokeUrl, Input, api.TenantKey, 32, null, settings.C32Duration, limit), r => r.Responses));
            restBeforeHey.Add(cpu.Measure("REST invoke, levers off, hey -c 32", () => Hey.Run("REST invoke", beforeUrl, Input, before.TenantKey, 32, null, settings.C32Duration, limit), r => r.Responses));
            dotnet.Add(cpu.Measure("gRPC invoke, .NET Grpc.Net.Client × 32", () => Load.ClosedLoopAsync("gRPC invoke, .NET Grpc.Net.Client", 32, settings.C32Duration, 10_000_000, t => GrpcCall(api, t)).GetAwaiter().GetResult(), r => r.Completed));
            dotnet.Add(cpu.Measure("gRPC invoke, levers off, .NET Grpc.Net.Client × 32", () => Load.ClosedLoopAsync("gRPC invoke, levers off, .NET Grpc.Net.Client", 32, settings.C32Duration, 10_000_000, t => GrpcCall(before, t)).GetAwaiter().GetResult(), r => r.Completed));
        }

        findings.HeyFloorC32 = new HeyAggregate("floor: Kestrel echo", floorHey);
        findings.HeyRestC32 = new HeyAggregate("REST invoke", restHey);
        findings.HeyRestC32Before = new HeyAggregate("REST invoke, levers off", restBeforeHey);
        findings.DotnetC32 = dotnet;

        report.Heading("End to end: throughput at concurrency 32 (2, 3)");
        report.Paragraph($"Closed loop, 32 callers, {settings.C32Duration.TotalSeconds:0} s per run, {settings.C32Rounds} rounds; in each round: floor, REST and REST with the levers off with hey "
            + $"(`hey -z {settings.C32Duration.TotalSeconds:0}s -c 32 -m POST -d {Input} ...`), then gRPC and gRPC with the levers off from this process "
            + "(one GrpcChannel, HTTP/2 multiplexed). Requests/s counts every response; non-200 responses are listed with their problem `code`.");
        HeyTable(report, [findings.HeyFloorC32, findings.HeyRestC32, findings.HeyRestC32Before], findings.HeyFloorC32);
        DotnetTable(report, dotnet, findings.HeyFloorC32);
        report.Paragraph("Where the two cores went, per run (CPU time from /proc: share of the cores over the runs' wall time, 200 % = both; µs of CPU per completed request). "
            + "\"Everything else\" is hey, this benchmark process, and whatever else ran on the shared machine.");
        report.Table(cpu.Header, cpu.Rows);
    }

    private static async Task<string> RestCall(PlatformApi api, CancellationToken token)
    {
        var r = await api.InvokeAsync(Function, Input, token);
        return r.Status == HttpStatusCode.OK && r.Body == Expected ? "OK" : $"{(int)r.Status} {r.Code}";
    }

    private static readonly ByteString GrpcInput = ByteString.CopyFromUtf8(Input);

    private static async Task<string> GrpcCall(PlatformApi api, CancellationToken token)
    {
        try
        {
            var r = await api.Invocations.InvokeAsync(new InvokeRequest { Function = Function, Input = GrpcInput }, api.TenantHeaders, DateTime.UtcNow.AddSeconds(30), token);
            return r.Output.ToStringUtf8() == Expected ? "OK" : "wrong output";
        }
        catch (RpcException ex)
        {
            return $"{ex.StatusCode} {ex.GetRpcStatus()?.GetDetail<ErrorInfo>()?.Reason}";
        }
    }

    private static void DotnetTable(Report report, IEnumerable<LoadResult> runs, HeyAggregate floor) =>
        report.Table(
            ["run (.NET client)", "completed/s median (range)", "OK/s median", "OK/s ÷ floor (hey)", "p50 ms", "p99 ms", "calls", "outcomes"],
            runs.GroupBy(d => d.Name).Select(g => (IReadOnlyList<string>)
            [
                g.Key,
                $"{Median(g.Select(r => r.PerSecond)):0} ({g.Min(r => r.PerSecond):0}–{g.Max(r => r.PerSecond):0})",
                $"{Median(g.Select(r => r.OkPerSecond)):0}",
                (Median(g.Select(r => r.OkPerSecond)) / floor.Rps).ToString("0.00", Inv),
                $"{Median(g.Select(r => r.P50Ms)):0.00}",
                $"{Median(g.Select(r => r.P99Ms)):0.00}",
                g.Sum(r => r.Completed).ToString(Inv),
                string.Join(", ", g.SelectMany(r => r.Outcomes).GroupBy(o => o.Key).OrderBy(o => o.Key, StringComparer.Ordinal).Select(o => $"{o.Key}: {o.Sum(x => x.Value)}")),
            ]));

    /// <summary>
    /// What the invocation history costs the invoke path (issue 15; target: throughput with it on
    /// within 5 % of off), and what <c>"record": "all"</c> adds: the same c=32 load against three
    /// dev platforms in turn, history off, on, and on with every invocation recorded for replay.
    /// </summary>
    private static async Task HistoryCostAsync(Report report, Settings settings, byte[] wat)
    {
        var variants = new (string Name, string[] Arguments, object? Config)[]
        {
            ("history off", ["--Platform:History:Enabled=false"], null),
            ("history on", [], null),
            ("history on, record: all", [], new { record = "all" }),
        };
        var hey = new List<HeyAggregate>();
        var grpc = new List<LoadResult>();
        foreach (var (name, arguments, config) in variants)
        {
            await using var dev = await DevPlatform.StartAsync(arguments);
            using var api = new PlatformApi(new Uri(dev.Facts.RestUrl), new Uri(dev.Facts.GrpcUrl), dev.Facts.AdminKey, dev.Facts.DemoApiKey);
            await api.LiftRateLimitsAsync("demo");
            await api.DeployAsync(Function, Encoding.UTF8.GetString(wat), config ?? new { });
            await UntilOkAsync(api, Function, TimeSpan.FromSeconds(30));
            var invokeUrl = new Uri(api.Rest, $"/v1/functions/{Function}/invoke");
            var limit = settings.C32Duration + TimeSpan.FromMinutes(1);
            WarmUp(settings, invokeUrl, api.TenantKey);
            var runs = new List<HeyResult>();
            for (var round = 0; round < settings.C32Rounds; round++)
            {
                runs.Add(Hey.Run($"REST invoke, {name}", invokeUrl, Input, api.TenantKey, 32, null, settings.C32Duration, limit));
                grpc.Add(await Load.ClosedLoopAsync($"gRPC invoke, {name}", 32, settings.C32Duration, 10_000_000, t => GrpcCall(api, t)));
            }

            hey.Add(new HeyAggregate($"REST invoke, {name}", runs));
        }

        report.Heading("End to end: the invocation history's cost at concurrency 32 (issue 15)");
        report.Paragraph($"Three `dev` platforms in turn, the same function and load ({settings.C32Rounds} rounds of {settings.C32Duration.TotalSeconds:0} s, hey for REST, "
            + "32 .NET callers for gRPC): `--Platform:History:Enabled=false`, the default (history on, flushed every second), and history on with the function deployed "
            + "with `\"record\": \"all\"` (every invocation keeps its replay recording). Target: history on within 5 % of off.");
        HeyTable(report, hey, hey[0]);
        DotnetTable(report, grpc, hey[0]);
    }

    // ---------------------------------------------------------------- cold start

    /// <summary>Only the cold-start row, on one `dev` platform: upload → first 200 and the compiles and artifact loads on that path.</summary>
    public static async Task RunColdAsync(Report report, bool quick)
    {
        var settings = quick ? Settings.Quick : Settings.Full;
        var findings = new Findings();
        var loadBefore = LoadAverage();
        await using var dev = await DevPlatform.StartAsync([]);
        using var api = new PlatformApi(new Uri(dev.Facts.RestUrl), new Uri(dev.Facts.GrpcUrl), dev.Facts.AdminKey, dev.Facts.DemoApiKey);
        await api.LiftRateLimitsAsync("demo");
        report.Paragraph($"Cold start only (`--cold`): `Platform.Server dev` (Release, 2 workers, replication factor 2) from {SourceRevision()}; load average before {loadBefore}, after the row below {LoadAverage()} is printed at the end.");
        await ColdStartAsync(report, settings, findings, dev, api);
        report.Paragraph($"Load average after: {LoadAverage()}.");
    }

    private static async Task ColdStartAsync(Report report, Settings settings, Findings findings, DevPlatform dev, PlatformApi api)
    {
        var hello = GuestModules.Bytes("hello");
        var rows = new List<IReadOnlyList<string>>();
        var nonce = Guid.NewGuid().ToString("N");
        using var scraper = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        for (var rep = 0; rep < settings.ColdReps; rep++)
        {
            var module = WithCustomSection(hello, "platform-bench-nonce", Encoding.UTF8.GetBytes($"{nonce}-{rep}"));
            await Task.Delay(1000); // let the previous repetition's fetches settle
            var compilesBefore = await CompileCountsAsync(scraper, dev.Facts.Metrics);
            var name = $"cold-{rep}";
            var started = Stopwatch.GetTimestamp();
            var deployed = await api.DeployAsync(name, module, "application/wasm");
            var putMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            RestInvocation result = default;
            var attempts = 0;
            var notOk = new List<string>();
            using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            while (attempts < 2000)
            {
                attempts++;
                result = await api.InvokeAsync(name, Input, bound.Token);
                if (result.Status == HttpStatusCode.OK) break;
                notOk.Add($"{(int)result.Status} {result.Code}");
                await Task.Delay(1, bound.Token);
            }

            var totalMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            if (result.Status != HttpStatusCode.OK || !result.Body.StartsWith("Hello from Platform", StringComparison.Ordinal))
                throw new InvalidOperationException($"cold start {rep}: no successful invoke after {attempts} attempts: {(int)result.Status} {result.Body}");
            var warm = Stopwatch.GetTimestamp();
            await api.InvokeAsync(name, Input);
            var warmMs = Stopwatch.GetElapsedTime(warm).TotalMilliseconds;
            findings.ColdMs.Add(totalMs);

            await Task.Delay(1500); // the push compiles of the other replica land in the log
            var compilesAfter = await CompileCountsAsync(scraper, dev.Facts.Metrics);
            var compiles = (ControlPlane: compilesAfter.ControlPlane - compilesBefore.ControlPlane, Workers: compilesAfter.Workers - compilesBefore.Workers, Loads: compilesAfter.ArtifactLoads - compilesBefore.ArtifactLoads);
            findings.ColdCompiles.Add(compiles.ControlPlane + compiles.Workers);
            var log = dev.Process.Lines.Where(l => l.Contains(deployed.Sha256, StringComparison.Ordinal)).ToList();
            var fetched = log.Select(l => FetchLine().Match(l)).Where(m => m.Success).Select(m => $"fetch {m.Groups[1].Value} + load/compile {m.Groups[2].Value}").ToList();
            var pushed = log.Select(l => PushLine().Match(l)).Where(m => m.Success).Select(m => m.Groups[1].Value).ToList();
            rows.Add([
                (rep + 1).ToString(Inv), $"{module.Length / 1024} KB", $"{putMs:0.0}", $"{totalMs - putMs:0.0}", $"**{totalMs:0.0}**",
                $"{attempts}{(notOk.Count > 0 ? " (" + string.Join(", ", notOk.Distinct()) + ")" : "")}",
                result.Worker ?? "?", $"{result.DurationMs:0.###}",
                fetched.Count > 0 ? string.Join("; ", fetched) : "none (served from a pushed artifact)",
                pushed.Count > 0 ? string.Join(", ", pushed) : "none", $"{warmMs:0.0}",
                $"{compiles.ControlPlane} + {compiles.Workers}", compiles.Loads.ToString(Inv),
            ]);
        }

        // The compile work on the path, in this process, for reference: the upload's compile on every core
        // (the default) and on one (Platform:Compile:ThreadsPerCompile=1, the previous default), interleaved.
        using var engine = new WasmEngine(new RuntimeOptions { CacheDir = Path.Combine(Path.GetTempPath(), "platform-bench", Guid.NewGuid().ToString("N")) });
        using var compiler = new Platform.Runtime.Compilation.IsolatedCompiler(engine, new Platform.Runtime.Compilation.CompileBudget());
        using var oneCoreCompiler = new Platform.Runtime.Compilation.IsolatedCompiler(engine, new Platform.Runtime.Compilation.CompileBudget { ThreadsPerCompile = 1 });
        var validator = new ModuleValidator(engine, compiler);
        var oneCoreValidator = new ModuleValidator(engine, oneCoreCompiler);
        var validate = new List<double>();
        var validateOneCore = new List<double>();
        var validateOnly = new List<double>();
        var compile = new List<double>();
        static double Timed(ModuleValidator validator, byte[] module)
        {
            var t = Stopwatch.GetTimestamp();
            if (!validator.ValidateAsync(module, ModuleLimits.Default, null, CancellationToken.None).GetAwaiter().GetResult().IsValid) throw new InvalidOperationException("the module did not validate");
            return Stopwatch.GetElapsedTime(t).TotalMilliseconds;
        }

        for (var i = -1; i < 7; i++)
        {
            var module = WithCustomSection(hello, "platform-bench-nonce", Encoding.UTF8.GetBytes($"{nonce}-ref-{i}"));
            var oneCore = WithCustomSection(hello, "platform-bench-nonce", Encoding.UTF8.GetBytes($"{nonce}-ref1-{i}"));
            var parallel = Timed(validator, module);
            var single = Timed(oneCoreValidator, oneCore);
            if (i < 0) continue; // the first starts both compiler processes
            validate.Add(parallel);
            validateOneCore.Add(single);
            var t = Stopwatch.GetTimestamp();
            if (Wasmtime.Module.Validate(engine.Engine, module) is { } error) throw new InvalidOperationException(error);
            validateOnly.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
            t = Stopwatch.GetTimestamp();
            new ArtifactCache(engine, compiler).GetOrCompile(module);
            compile.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
        }

        Directory.Delete(engine.Options.CacheDir, recursive: true);

        report.Heading("End to end: cold start of a 145 KB module (5)");
        report.Paragraph("Each repetition uploads `build/guests/hello.wasm` (the wasi-libc C hello) made unique by a custom section, as a new function "
            + "(`PUT /v1/functions/cold-N`, `application/wasm`), and invokes it as soon as the PUT returns, retrying on any non-200 after 1 ms (bounded: 2000 attempts, 30 s). "
            + "Time starts before the upload is sent and ends when the first 200 arrives. The worker's own lines (fetch on demand, push compile) come from the dev process's log. "
            + "A second invoke right after shows the warm figure. The compiles are counted from the dev platform's `/metrics` before the upload and 1.5 s after the first 200: "
            + "`platform_upload_compiles_total` (the control plane's check of the upload) and `platform_module_compile_duration_seconds_count` summed over the workers; "
            + "the workers' loads of the control plane's signed artifact from `platform_artifact_loads_total{result=\"loaded\"}`. The PUT answers once the pushes ended.");
        report.Table(["rep", "module", "PUT ms", "PUT→200 ms", "upload→first 200 ms", "invoke attempts", "served by", "sandbox ms", "worker fetched on demand (ms)", "push compile ms (replicas)", "next invoke ms", "compiles: control plane + workers", "artifact loads"], rows);
        report.Paragraph($"Upload → first successful invoke: median **{Median(findings.ColdMs):0.0} ms** (range {findings.ColdMs.Min():0.0}–{findings.ColdMs.Max():0.0}, {findings.ColdMs.Count} repetitions). "
            + $"In this process, the same module, 7 interleaved pairs: `ModuleValidator.ValidateAsync` (what the control plane runs on upload: a full Cranelift compile in a compiler process) "
            + $"on {Environment.ProcessorCount} threads (the default) median {Median(validate):0.0} ms ({validate.Min():0.0}–{validate.Max():0.0}), on one thread (`Platform:Compile:ThreadsPerCompile=1`) {Median(validateOneCore):0.0} ms ({validateOneCore.Min():0.0}–{validateOneCore.Max():0.0}); "
            + $"`ArtifactCache.GetOrCompileAsync` (what a worker runs: compile + serialize in a compiler process, deserialize, write) median {Median(compile):0.0} ms; "
            + $"Wasmtime's `Module.Validate` (validation without compiling) median {Median(validateOnly):0.00} ms.");
    }

    /// <summary>Compiles so far, from a Prometheus scrape: the control plane's upload checks and the workers' compiles.</summary>
    private static async Task<(long ControlPlane, long Workers, long ArtifactLoads)> CompileCountsAsync(HttpClient http, Uri metrics)
    {
        var text = await http.GetStringAsync(metrics);
        long Sum(string name) => text.Split('\n')
            .Where(l => l.StartsWith(name + "{", StringComparison.Ordinal) || l.StartsWith(name + " ", StringComparison.Ordinal))
            .Sum(l => (long)double.Parse(l[(l.LastIndexOf(' ') + 1)..], Inv));
        var loaded = text.Split('\n')
            .Where(l => l.StartsWith("platform_artifact_loads_total{", StringComparison.Ordinal) && l.Contains("result=\"loaded\"", StringComparison.Ordinal))
            .Sum(l => (long)double.Parse(l[(l.LastIndexOf(' ') + 1)..], Inv));
        return (Sum("platform_upload_compiles_total"), Sum("platform_module_compile_duration_seconds_count"), loaded);
    }

    /// <summary>Appends a custom section (id 0, name, payload): the module runs the same, its hash differs.</summary>
    private static byte[] WithCustomSection(byte[] module, string name, byte[] payload)
    {
        var nameBytes = Encoding.UTF8.GetBytes(name);
        var content = new List<byte>();
        content.AddRange(Leb128((uint)nameBytes.Length));
        content.AddRange(nameBytes);
        content.AddRange(payload);
        var section = new List<byte> { 0x00 };
        section.AddRange(Leb128((uint)content.Count));
        section.AddRange(content);
        return [.. module, .. section];
    }

    private static IEnumerable<byte> Leb128(uint value)
    {
        do
        {
            var b = (byte)(value & 0x7F);
            value >>= 7;
            if (value != 0) b |= 0x80;
            yield return b;
        }
        while (value != 0);
    }

    [GeneratedRegex(@"Fetched module [0-9a-f]{64} \(\d+ bytes\) in ([0-9.]+) ms and loaded or compiled it in ([0-9.]+) ms")]
    private static partial Regex FetchLine();

    [GeneratedRegex(@"Compiled pushed module [0-9a-f]{64} \(\d+ bytes\) in ([0-9.]+) ms")]
    private static partial Regex PushLine();

    // ---------------------------------------------------------------- control plane and two workers as processes

    private static async Task SeparateProcessesAsync(Report report, Settings settings, Findings findings, byte[] wat, Uri floorUrl, ChildProcess floorProcess)
    {
        // The control plane at the default log level (its own later argument overrides the cluster's Warning).
        await using var split = await ProcessCluster.StartAsync(workers: 2, controlPlaneArguments: ["--Logging:LogLevel:Default=Information"]);
        using var api = split.AdminApi();
        await api.CreateTenantAsync("bench");
        await api.LiftRateLimitsAsync("bench");
        await api.DeployAsync(Function, wat, "text/plain");
        await UntilOkAsync(api, Function, TimeSpan.FromSeconds(30));
        var invokeUrl = new Uri(api.Rest, $"/v1/functions/{Function}/invoke");
        var cpu = new CpuLedger(new CpuMeter(
            (ControlPlaneProcess, () => [split.ControlPlane!.Id]),
            (WorkerProcess, () => split.Worker(0) is { } w ? [w.Id] : []),
            (Worker2Process, () => split.Worker(1) is { } w ? [w.Id] : []),
            (Postgres, () => CpuMeter.PostgresProcesses(split.Postgres.DataDirectory)),
            (FloorProcess, () => [floorProcess.Id])));
        findings.CpuSplit = cpu;
        WarmUp(settings, invokeUrl, api.TenantKey);
        await Load.ClosedLoopAsync("warm-up", 32, settings.WarmUp / 2, 10_000_000, t => GrpcCall(api, t));

        var limit = settings.C32Duration + TimeSpan.FromMinutes(1);
        var floor = new List<HeyResult>();
        var rest = new List<HeyResult>();
        var restC1 = new List<HeyResult>();
        var floorC1 = new List<HeyResult>();
        var linesBefore = split.ControlPlane!.Lines.Count;
        long requests = 0;
        for (var round = 0; round < settings.C32Rounds; round++)
        {
            floor.Add(cpu.Measure("floor, hey -c 32", () => Hey.Run("floor", floorUrl, Input, null, 32, null, settings.C32Duration, limit), r => r.Responses));
            rest.Add(cpu.Measure("REST invoke, hey -c 32", () => Hey.Run("REST invoke", invokeUrl, Input, api.TenantKey, 32, null, settings.C32Duration, limit), r => r.Responses));
            findings.SplitGrpcC32.Add(cpu.Measure("gRPC invoke, .NET Grpc.Net.Client × 32", () => Load.ClosedLoopAsync("gRPC invoke, .NET Grpc.Net.Client", 32, settings.C32Duration, 10_000_000, t => GrpcCall(api, t)).GetAwaiter().GetResult(), r => r.Completed));
            floorC1.Add(cpu.Measure("floor, hey -c 1", () => Hey.Run("floor", floorUrl, Input, null, 1, settings.HeyC1Requests, null, TimeSpan.FromMinutes(3)), r => r.Responses));
            restC1.Add(cpu.Measure("REST invoke, hey -c 1", () => Hey.Run("REST invoke", invokeUrl, Input, api.TenantKey, 1, settings.HeyC1Requests, null, TimeSpan.FromMinutes(3)), r => r.Responses));
            requests += rest[^1].Responses + findings.SplitGrpcC32[^1].Completed + restC1[^1].Responses;
        }

        findings.SplitLogLinesPerRequest = (split.ControlPlane!.Lines.Count - linesBefore) / (double)Math.Max(1, requests);
        findings.SplitFloorC32 = new HeyAggregate("floor: Kestrel echo", floor);
        findings.SplitRestC32 = new HeyAggregate("REST invoke, control plane + 2 workers", rest);
        findings.SplitRestC1 = new HeyAggregate("REST invoke, hey -c 1, control plane + 2 workers", restC1);
        findings.SplitFloorC1 = new HeyAggregate("floor: Kestrel echo, hey -c 1", floorC1);

        report.Heading("End to end: control plane and two workers as separate processes (2, 3)");
        report.Paragraph("`dotnet Platform.Server.dll --role control-plane` (default log level, Information) and two `--role worker` processes, a throwaway PostgreSQL, "
            + $"the same function and load: {settings.C32Rounds} rounds of floor (hey, c=32), REST (hey, c=32), gRPC (.NET, 32 callers), floor and REST (hey, c=1, {settings.HeyC1Requests} requests). "
            + $"The control plane wrote **{findings.SplitLogLinesPerRequest:0.000} log lines per request** during these runs ({split.ControlPlane!.Lines.Count - linesBefore} lines, {requests} requests).");
        HeyTable(report, [findings.SplitFloorC32, findings.SplitRestC32], findings.SplitFloorC32);
        HeyTable(report, [findings.SplitFloorC1, findings.SplitRestC1], findings.SplitFloorC1);
        DotnetTable(report, findings.SplitGrpcC32, findings.SplitFloorC32);
        report.Paragraph("CPU per process during those runs:");
        report.Table(cpu.Header, cpu.Rows);
    }

    // ---------------------------------------------------------------- worker restart

    /// <summary>
    /// Topology B: a control plane and ONE worker as separate processes, the benchmark tenant's
    /// limits lifted, <see cref="Function"/> deployed and answering. The caller disposes both.
    /// </summary>
    private static async Task<(ProcessCluster Split, PlatformApi Api, Deployed Deployed)> StartTopologyBAsync(byte[] wat, string[]? workerArguments = null)
    {
        var split = await ProcessCluster.CreateAsync(workers: 1, workerArguments: workerArguments);
        PlatformApi? api = null;
        try
        {
            await split.StartControlPlaneAsync();
            api = split.AdminApi();
            await api.CreateTenantAsync("bench");
            await api.LiftRateLimitsAsync("bench");
            split.StartWorker(0);
            await UntilRegisteredAsync(api, split, DateTimeOffset.MinValue, TimeSpan.FromMinutes(1));
            var deployed = await api.DeployAsync(Function, wat, "text/plain");
            await UntilOkAsync(api, Function, TimeSpan.FromSeconds(30));
            return (split, api, deployed);
        }
        catch
        {
            api?.Dispose();
            await split.DisposeAsync();
            throw;
        }
    }

    private static async Task WorkerRestartAsync(Report report, Settings settings, Findings findings, byte[] wat)
    {
        var (split, api, deployed) = await StartTopologyBAsync(wat, ["--Logging:LogLevel:Platform.Worker.Modules=Information"]);
        await using var cluster = split;
        using var admin = api;

        // Warm figures on this topology, for comparison with the first invoke after a restart, and
        // the CPU of each process per invocation (the control plane and the worker apart).
        var invokeUrl = new Uri(api.Rest, $"/v1/functions/{Function}/invoke");
        WarmUp(settings, invokeUrl, api.TenantKey);
        var warm = await Measure.InterleavedAsync(settings.C1Rounds, settings.C1Iterations / 2, settings.C1Warmup,
            ("REST invoke, topology B (separate control plane and worker processes)", async () =>
            {
                var r = await api.InvokeAsync(Function, Input);
                if (r.Status != HttpStatusCode.OK) throw new InvalidOperationException($"{(int)r.Status} {r.Body}");
            }),
            ("gRPC invoke, topology B", async () => _ = await api.Invocations.InvokeAsync(new InvokeRequest { Function = Function, Input = GrpcInput }, api.TenantHeaders, DateTime.UtcNow.AddSeconds(30))));
        var cpu = new CpuLedger(new CpuMeter(
            (ControlPlaneProcess, () => [split.ControlPlane!.Id]),
            (WorkerProcess, () => split.Worker(0) is { } w ? [w.Id] : []),
            (Postgres, () => CpuMeter.PostgresProcesses(split.Postgres.DataDirectory))));
        findings.CpuB = cpu;
        var heyC1 = new List<HeyResult>();
        for (var round = 0; round < settings.HeyC1Rounds; round++)
            heyC1.Add(cpu.Measure("REST invoke, hey -c 1", () => Hey.Run("REST invoke", invokeUrl, Input, api.TenantKey, 1, settings.HeyC1Requests, null, TimeSpan.FromMinutes(3)), r => r.Responses));

        var rows = new List<IReadOnlyList<string>>();
        var clusterHeaders = new Metadata { { "x-platform-cluster-token", ProcessCluster.ClusterToken } };
        var grpcInput = ByteString.CopyFromUtf8(Input);
        var rep = 0;
        foreach (var mode in settings.RestartOrder)
        {
            rep++;
            var before = (await api.WorkersAsync()).Single(w => w.Id == ProcessCluster.WorkerId(0));
            var exit = await split.Worker(0)!.StopAsync(TimeSpan.FromSeconds(30));
            var started = Stopwatch.GetTimestamp();
            var worker = split.StartWorker(0);
            var registered = await UntilRegisteredAsync(api, split, before.RegisteredAt, TimeSpan.FromMinutes(1));
            var liveMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;

            string firstLabel;
            double firstMs;
            double? sandboxMs = null;
            double secondMs;
            using var direct = GrpcChannel.ForAddress(split.WorkerUris[0]);
            var workerClient = new WorkerService.WorkerServiceClient(direct);
            if (mode == "cp")
            {
                var t = Stopwatch.GetTimestamp();
                var r = await api.InvokeAsync(Function, Input);
                firstMs = Stopwatch.GetElapsedTime(t).TotalMilliseconds;
                if (r.Status != HttpStatusCode.OK || r.Body != Expected) throw new InvalidOperationException($"first invoke after restart: {(int)r.Status} {r.Body}");
                sandboxMs = r.DurationMs;
                firstLabel = "REST via control plane";
                findings.RestartMs.Add(firstMs);
                t = Stopwatch.GetTimestamp();
                await api.InvokeAsync(Function, Input);
                secondMs = Stopwatch.GetElapsedTime(t).TotalMilliseconds;
            }
            else if (mode == "status")
            {
                // Diagnostic: a first call that runs no sandbox (Status over a new channel: Kestrel, HTTP/2, the gRPC
                // service and the token check warm up), then the first invoke through the control plane.
                var t = Stopwatch.GetTimestamp();
                await workerClient.StatusAsync(new WorkerStatusRequest(), clusterHeaders, DateTime.UtcNow.AddSeconds(30));
                firstMs = Stopwatch.GetElapsedTime(t).TotalMilliseconds;
                firstLabel = "worker Status direct (no sandbox)";
                t = Stopwatch.GetTimestamp();
                var viaCp = await api.InvokeAsync(Function, Input);
                secondMs = Stopwatch.GetElapsedTime(t).TotalMilliseconds;
                sandboxMs = viaCp.DurationMs;
                if (viaCp.Status != HttpStatusCode.OK) throw new InvalidOperationException($"invoke after restart: {(int)viaCp.Status} {viaCp.Body}");
            }
            else
            {
                // Diagnostic: the worker's own first call (new channel from this process), then the control plane's first call to the now-warm worker.
                var t = Stopwatch.GetTimestamp();
                var r = await workerClient.InvokeAsync(new WorkerInvokeRequest
                {
                    InvocationId = Guid.NewGuid().ToString("N"),
                    Tenant = "bench",
                    Function = Function,
                    Version = deployed.Version,
                    ModuleSha256 = deployed.Sha256,
                    Input = grpcInput,
                }, clusterHeaders, DateTime.UtcNow.AddSeconds(30));
                firstMs = Stopwatch.GetElapsedTime(t).TotalMilliseconds;
                if (r.Outcome != InvocationOutcome.Ok) throw new InvalidOperationException($"direct first invoke after restart: {r.Outcome} {r.Message}");
                sandboxMs = r.DurationUs / 1000.0;
                firstLabel = "worker Invoke direct (new channel)";
                t = Stopwatch.GetTimestamp();
                var viaCp = await api.InvokeAsync(Function, Input);
                secondMs = Stopwatch.GetElapsedTime(t).TotalMilliseconds;
                if (viaCp.Status != HttpStatusCode.OK) throw new InvalidOperationException($"invoke after restart: {(int)viaCp.Status} {viaCp.Body}");
            }

            var status = await workerClient.StatusAsync(new WorkerStatusRequest(), clusterHeaders, DateTime.UtcNow.AddSeconds(10));
            var fetchedSinceStart = worker.Lines.Count(l => l.Contains("Fetched module", StringComparison.Ordinal));
            if (status.Compiles != 0 || fetchedSinceStart != 0)
                throw new InvalidOperationException($"the restarted worker compiled ({status.Compiles}) or fetched ({fetchedSinceStart}): not served from its disk cache");
            rows.Add([
                rep.ToString(Inv), firstLabel, $"{exit.TotalMilliseconds:0}", $"{liveMs:0}", $"**{firstMs:0.0}**", $"{sandboxMs:0.###}",
                $"{secondMs:0.0}" + (mode == "cp" ? "" : " (first via control plane)"),
                $"{status.Compiles} / {status.CacheDiskHits} / {status.CacheMemoryHits} / {status.CacheMisses}",
            ]);
            _ = registered;
        }

        report.Heading("End to end: first invoke after a worker restart (6)");
        report.Paragraph("Topology B: control plane and ONE worker as separate processes (`dotnet Platform.Server.dll --role control-plane|worker`), the worker on a fixed port, "
            + "cache folder and id. Each repetition: SIGTERM the worker and wait for its exit, start it again on the same `CacheDir`, poll `GET /v1/workers` (admin) every 10 ms "
            + "until the worker shows a newer `registeredAt` and `live = true` (it registers after loading its disk cache), then time the first invoke of `bench-hello`. "
            + "Two diagnostics take the first call apart: `worker Invoke direct` sends the first call straight to the worker over a new h2c channel (cluster token) and "
            + "the control plane's first call follows; `worker Status direct` first makes a call that runs no sandbox, then the first invoke goes through the control plane. "
            + "The sandbox column is the worker's own `Platform-Duration-Ms` / `duration_us` for the first invocation it ran. "
            + "After each first invoke the worker's Status must show 0 compiles and its log no fetch (checked).");
        report.Paragraph("Warm, on this topology (same method as the concurrency-1 section; then hey):");
        report.LatencyTable(warm);
        HeyTable(report, [new HeyAggregate("REST invoke, hey -c 1, topology B", heyC1)], new HeyAggregate("REST invoke, hey -c 1, topology B", heyC1));
        report.Paragraph("CPU per process during that hey run (the control plane and the worker apart):");
        report.Table(cpu.Header, cpu.Rows);
        report.Paragraph("Restarts:");
        report.Table(["rep", "first call", "worker exit ms", "start → registered ms", "first call ms", "sandbox ms (worker, of the first invoke)", "next invoke ms", "compiles / disk hits / memory hits / misses"], rows);
        if (findings.RestartMs.Count > 0)
            report.Paragraph($"First invoke through the control plane after a restart: median **{Median(findings.RestartMs):0.0} ms** (range {findings.RestartMs.Min():0.0}–{findings.RestartMs.Max():0.0}, {findings.RestartMs.Count} repetitions).");
    }

    private static async Task<WorkerRow> UntilRegisteredAsync(PlatformApi api, ProcessCluster split, DateTimeOffset after, TimeSpan timeout)
    {
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            if (split.Worker(0) is null) throw new InvalidOperationException("the worker exited");
            var row = (await api.WorkersAsync()).SingleOrDefault(x => x.Id == ProcessCluster.WorkerId(0));
            if (row is { Live: true } && row.RegisteredAt > after) return row;
            if (Stopwatch.GetElapsedTime(started) > timeout) throw new TimeoutException($"the worker did not register within {timeout}:\n{split.Worker(0)?.Tail()}");
            await Task.Delay(10);
        }
    }

    private static async Task UntilOkAsync(PlatformApi api, string function, TimeSpan timeout)
    {
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            var r = await api.InvokeAsync(function, Input);
            if (r.Status == HttpStatusCode.OK) return;
            if (Stopwatch.GetElapsedTime(started) > timeout) throw new TimeoutException($"{function} did not answer 200 within {timeout}: {(int)r.Status} {r.Body}");
            await Task.Delay(50);
        }
    }

    // ---------------------------------------------------------------- targets and analysis

    private static void Targets(Report report, Findings f)
    {
        var rows = new List<IReadOnlyList<string>>();
        if (f.HeyRestC1 is { } c1 && f.HeyFloorC1 is { } floorC1)
        {
            var before = f.HeyRestC1Before is { } b ? $"; levers off {b.P50:0.0} ms ({b.P50 / floorC1.P50:0.0}× the floor)" : "";
            rows.Add(["REST invoke, c=1, p50 (`dev`)", "≤ 0.5 ms or ≤ 2.5× the floor",
                $"hey: {c1.P50:0.0} ms vs floor {floorC1.P50:0.0} ms = {c1.P50 / floorC1.P50:0.0}× (p99 {c1.P99:0.0}); .NET client {f.Rest?.MedianUs / 1000:0.00} ms vs floor {f.Floor?.MedianUs / 1000:0.00} ms{before}",
                Met(c1.P50 <= 0.5 || c1.P50 <= 2.5 * floorC1.P50)]);
        }

        if (f.SplitRestC1 is { } splitC1 && f.SplitFloorC1 is { } floorC1b)
        {
            rows.Add(["REST invoke, c=1, p50 (control plane + 2 workers)", "≤ 0.5 ms or ≤ 2.5× the floor",
                $"hey: {splitC1.P50:0.0} ms vs floor {floorC1b.P50:0.0} ms = {splitC1.P50 / floorC1b.P50:0.0}× (p99 {splitC1.P99:0.0})",
                Met(splitC1.P50 <= 0.5 || splitC1.P50 <= 2.5 * floorC1b.P50)]);
        }

        void Throughput(string what, HeyAggregate? floor, double okPerSecond, long notOk, string detail)
        {
            if (floor is null || double.IsNaN(okPerSecond)) return;
            rows.Add([what, "≥ 0.25 of the floor's req/s, 0 non-200",
                $"{okPerSecond:0}/s OK vs floor {floor.Rps:0}/s = {okPerSecond / floor.Rps:0.00}; {notOk} non-200{detail}",
                Met(okPerSecond >= 0.25 * floor.Rps && notOk == 0)]);
        }

        static (double Ok, long NotOk) Grpc(IEnumerable<LoadResult> runs, string name)
        {
            var matching = runs.Where(r => r.Name == name).ToList();
            return matching.Count == 0 ? (double.NaN, 0) : (Median(matching.Select(r => r.OkPerSecond)), matching.Sum(r => r.Completed - r.Ok));
        }

        if (f.HeyRestC32 is { } rest)
        {
            var before = f.HeyRestC32Before is { } b ? $"; levers off {b.OkPerSecond:0}/s OK ({b.OkPerSecond / f.HeyFloorC32!.Rps:0.00}), {b.NotOk} non-200" : "";
            Throughput("REST invoke, c=32 (`dev`)", f.HeyFloorC32, rest.OkPerSecond, rest.NotOk + rest.Errors, before);
        }

        var grpc = Grpc(f.DotnetC32, "gRPC invoke, .NET Grpc.Net.Client");
        var grpcBefore = Grpc(f.DotnetC32, "gRPC invoke, levers off, .NET Grpc.Net.Client");
        Throughput("gRPC invoke, c=32 (`dev`)", f.HeyFloorC32, grpc.Ok, grpc.NotOk,
            double.IsNaN(grpcBefore.Ok) ? "" : $"; levers off {grpcBefore.Ok:0}/s OK, {grpcBefore.NotOk} not OK");
        if (f.SplitRestC32 is { } splitRest)
            Throughput("REST invoke, c=32 (control plane + 2 workers)", f.SplitFloorC32, splitRest.OkPerSecond, splitRest.NotOk + splitRest.Errors, "");
        var splitGrpc = Grpc(f.SplitGrpcC32, "gRPC invoke, .NET Grpc.Net.Client");
        Throughput("gRPC invoke, c=32 (control plane + 2 workers)", f.SplitFloorC32, splitGrpc.Ok, splitGrpc.NotOk, "");

        if (f.ColdMs.Count > 0)
        {
            rows.Add(["cold: upload of a new 145 KB C module → first 200 (`dev`)", "≤ 100 ms, exactly 1 compile",
                $"median {Median(f.ColdMs):0.0} ms ({f.ColdMs.Min():0.0}–{f.ColdMs.Max():0.0}, {f.ColdMs.Count} reps); compiles per upload (control plane + workers, from /metrics): {string.Join(", ", f.ColdCompiles)}",
                Met(Median(f.ColdMs) <= 100 && f.ColdCompiles.All(c => c == 1))]);
        }

        if (f.RestartMs.Count > 0)
            rows.Add(["worker restarted with its disk cache → first invoke through the control plane", "≤ 20 ms", $"median {Median(f.RestartMs):0.0} ms ({f.RestartMs.Min():0.0}–{f.RestartMs.Max():0.0})", Met(Median(f.RestartMs) <= 20)]);
        if (f.SandboxC is { } sandboxC && f.SandboxCOnDemand is { } onDemand)
        {
            rows.Add(["warm in-process WASI C hello, median", "≤ 20 µs",
                $"default (pooling allocator) {sandboxC.MedianUs:0.0} µs ({Report.F(sandboxC.SpreadLowUs)}–{Report.F(sandboxC.SpreadHighUs)}); previous default (on-demand allocator) {onDemand.MedianUs:0.0} µs ({Report.F(onDemand.SpreadLowUs)}–{Report.F(onDemand.SpreadHighUs)})",
                Met(sandboxC.MedianUs <= 20)]);
        }

        report.Heading("End to end: targets (issue 11)");
        report.Paragraph("Every row from this run; ratios against the floor measured in the same rounds. \"Levers off\": the second `dev` platform with the previous defaults (see the top of this section).");
        report.Table(["target", "goal", "measured", "met?"], rows);
    }

    private static void Analysis(Report report, Findings f)
    {
        report.Heading("End to end: where the time goes");
        if (f.Floor is not null && f.Rest is not null && f.WorkerDirect is not null && f.PgAuth is not null && f.Sandbox is not null && f.Grpc is not null)
        {
            var pg = f.PgAuth.MedianUs;
            var rest = f.Rest.MedianUs;
            var remainder = rest - f.Floor.MedianUs - f.WorkerDirect.MedianUs;
            report.Paragraph("Latency at concurrency 1 (medians of the µs-resolution section), the REST invoke taken apart. Each piece was measured alone, "
                + "so the sum is approximate; on a loaded machine every extra process hop also waits for a core.");
            report.Table(["piece of a REST invoke", "µs", "share of the REST median", "measured as"],
            [
                ["HTTP/1.1 hop client → Kestrel → client (the floor)", Report.F(f.Floor.MedianUs), Share(f.Floor.MedianUs, rest), "floor row"],
                ["(not on the path: the API-key lookup, now served from the key cache; what it cost, with the levers off)", Report.F(pg), Share(pg, rest), "PostgreSQL row"],
                ["control plane → worker gRPC hop + worker + sandbox", Report.F(f.WorkerDirect.MedianUs), Share(f.WorkerDirect.MedianUs, rest), "worker Invoke direct row"],
                ["  of which the sandbox itself", Report.F(f.Sandbox.MedianUs), Share(f.Sandbox.MedianUs, rest), "in-process row"],
                ["the rest: control-plane work (routing, filters, limits, telemetry, protobuf) and the wake-ups of the extra hops", Report.F(remainder), Share(remainder, rest), "REST − the rows above"],
                ["REST invoke", Report.F(rest), "100 %", ""],
                ["gRPC invoke (for comparison)", Report.F(f.Grpc.MedianUs), Share(f.Grpc.MedianUs, rest), ""],
            ]);
        }

        var rows = new List<IReadOnlyList<string>>();
        void Row(string what, CpuLedger? ledger, string run, string group)
        {
            if (ledger is null) return;
            var v = ledger.MicrosecondsPerRequest(run, group);
            if (!double.IsNaN(v)) rows.Add([what, run, $"{v:0}"]);
        }

        Row("floor process, per echoed request", f.CpuA, "floor, hey -c 1", FloorProcess);
        Row("floor process, per echoed request", f.CpuA, "floor, hey -c 32", FloorProcess);
        Row("dev process (control plane + workers), per invocation", f.CpuA, "REST invoke, hey -c 1", DevProcess);
        Row("PostgreSQL, per invocation", f.CpuA, "REST invoke, hey -c 1", Postgres);
        Row("dev process (control plane + workers), per response", f.CpuA, "REST invoke, hey -c 32", DevProcess);
        Row("PostgreSQL, per response", f.CpuA, "REST invoke, hey -c 32", Postgres);
        Row("dev, levers off, per invocation", f.CpuA, "REST invoke, levers off, hey -c 1", BeforeProcess);
        Row("PostgreSQL of dev, levers off, per invocation", f.CpuA, "REST invoke, levers off, hey -c 1", BeforePostgres);
        Row("dev, levers off, per response", f.CpuA, "REST invoke, levers off, hey -c 32", BeforeProcess);
        Row("PostgreSQL of dev, levers off, per response", f.CpuA, "REST invoke, levers off, hey -c 32", BeforePostgres);
        Row("dev process, per gRPC call", f.CpuA, "gRPC invoke, .NET Grpc.Net.Client × 32", DevProcess);
        Row("dev, levers off, per gRPC call", f.CpuA, "gRPC invoke, levers off, .NET Grpc.Net.Client × 32", BeforeProcess);
        Row("control plane process (topology B, 1 worker), per invocation", f.CpuB, "REST invoke, hey -c 1", ControlPlaneProcess);
        Row("worker process (topology B, 1 worker), per invocation", f.CpuB, "REST invoke, hey -c 1", WorkerProcess);
        Row("PostgreSQL (topology B, 1 worker), per invocation", f.CpuB, "REST invoke, hey -c 1", Postgres);
        foreach (var run in new[] { "REST invoke, hey -c 32", "gRPC invoke, .NET Grpc.Net.Client × 32", "REST invoke, hey -c 1" })
        {
            Row("control plane process (+ 2 workers), per request", f.CpuSplit, run, ControlPlaneProcess);
            Row("worker 1 process, per request", f.CpuSplit, run, WorkerProcess);
            Row("worker 2 process, per request", f.CpuSplit, run, Worker2Process);
            Row("PostgreSQL (control plane + 2 workers), per request", f.CpuSplit, run, Postgres);
        }
        report.Paragraph("CPU cost per request (µs of CPU, from /proc, during the hey runs). This is what bounds throughput on two cores: "
            + "5,000 invocations/s leave 400 µs of CPU per invocation for everything on the machine, the load generator included. "
            + "CPU time is far less sensitive than latency to the other load on the shared machine. At concurrency 1 a request also pays for the "
            + "spinning of the threads that wait for the next one, so the per-request figure is higher than under load.");
        report.Table(["process", "run", "µs CPU per request"], rows);
    }

    private static string Share(double part, double whole) => $"{part / whole * 100:0} %";

    private static string Met(bool met) => met ? "met" : "**missed**";

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0) return double.NaN;
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static void HeyTable(Report report, IReadOnlyList<HeyAggregate> runs, HeyAggregate floor) =>
        report.Table(
            ["target", "requests/s median (range)", "p50 ms (range)", "p99 ms (range)", "responses", "status codes", "errors", "p50 × floor", "req/s ÷ floor"],
            runs.Select(r => (IReadOnlyList<string>)
            [
                r.Name,
                $"{r.Rps:0} ({r.Runs.Min(x => x.RequestsPerSecond):0}–{r.Runs.Max(x => x.RequestsPerSecond):0})",
                $"{r.P50:0.0} ({r.Runs.Min(x => x.P50Ms ?? double.NaN):0.0}–{r.Runs.Max(x => x.P50Ms ?? double.NaN):0.0})",
                $"{r.P99:0.0} ({r.Runs.Min(x => x.P99Ms ?? double.NaN):0.0}–{r.Runs.Max(x => x.P99Ms ?? double.NaN):0.0})",
                r.Responses.ToString(Inv),
                string.Join(", ", r.Runs.SelectMany(x => x.Statuses).GroupBy(s => s.Key).OrderBy(s => s.Key).Select(s => $"{s.Key}: {s.Sum(x => x.Value)}")),
                r.Errors == 0 ? "0" : $"{r.Errors} ({string.Join("; ", r.Runs.SelectMany(x => x.Errors).Take(3))})",
                (r.P50 / floor.P50).ToString("0.0", Inv),
                (r.Rps / floor.Rps).ToString("0.00", Inv),
            ]));

    /// <summary>The commit the servers were built from (a <c>.commit</c> file in an exported tree, else git), and whether src/ had uncommitted changes.</summary>
    private static string SourceRevision()
    {
        var root = GuestModules.RepositoryRoot;
        var exported = Path.Combine(root, ".commit");
        if (File.Exists(exported)) return $"commit {File.ReadAllText(exported).Trim()[..12]} (exported tree)";
        try
        {
            var head = RunGit(root, "rev-parse", "HEAD").Trim();
            var dirty = RunGit(root, "status", "--porcelain", "--", "src").Trim().Length > 0;
            return $"commit {head[..Math.Min(12, head.Length)]}{(dirty ? " plus uncommitted changes in src/" : "")}";
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return "an unknown revision";
        }
    }

    private static string RunGit(string root, params string[] arguments)
    {
        var info = new ProcessStartInfo("git") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = root };
        foreach (var a in arguments) info.ArgumentList.Add(a);
        using var process = Process.Start(info) ?? throw new InvalidOperationException("git");
        var output = process.StandardOutput.ReadToEnd();
        process.StandardError.ReadToEnd();
        process.WaitForExit(10_000);
        return process.ExitCode == 0 ? output : throw new InvalidOperationException("git failed");
    }

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";

    private sealed class HeyAggregate(string name, IReadOnlyList<HeyResult> runs)
    {
        public string Name { get; } = name;

        public IReadOnlyList<HeyResult> Runs { get; } = runs;

        public double Rps => Median(Runs.Select(r => r.RequestsPerSecond));

        public double OkPerSecond => Median(Runs.Select(r => r.Responses == 0 ? 0 : r.RequestsPerSecond * r.Ok / r.Responses));

        public double P50 => Median(Runs.Select(r => r.P50Ms ?? double.NaN));

        public double P99 => Median(Runs.Select(r => r.P99Ms ?? double.NaN));

        public long Responses => Runs.Sum(r => r.Responses);

        public long NotOk => Runs.Sum(r => r.NotOk);

        public long Errors => Runs.Sum(r => r.ErrorCount);
    }
}
