using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Platform.Contracts.V1;
using Platform.Hosting.InProcess;

namespace Platform.ControlPlane.Tests;

/// <summary>
/// A control plane and workers as separate hosts of this process that share one
/// <see cref="InProcessWorkers"/>, wired as <c>dev</c> wires them; each worker counts the
/// <c>WorkerService/Invoke</c> calls its gRPC listener served and the invocations its meter counted.
/// </summary>
internal sealed class SharedProcessCluster : IAsyncDisposable
{
    private SharedProcessCluster(InProcessCluster hosts, InProcessWorkers shared)
    {
        Hosts = hosts;
        Shared = shared;
    }

    public InProcessCluster Hosts { get; }

    public InProcessWorkers Shared { get; }

    /// <summary>Per worker id: <c>WorkerService/Invoke</c> calls served over gRPC.</summary>
    public ConcurrentDictionary<string, GrpcInvokeCounter> GrpcInvokes { get; } = new(StringComparer.Ordinal);

    /// <param name="inProcessCalls"><c>Platform:Cluster:InProcessWorkerCalls</c>.</param>
    public static async Task<SharedProcessCluster> StartAsync(PostgresFixture postgres, bool inProcessCalls, string[] workerIds, params string[] workerArguments)
    {
        var shared = new InProcessWorkers();
        var defaults = new Dictionary<string, string?>
        {
            ["Platform:Cluster:WorkerTtl"] = "00:00:06",
            ["Platform:Cluster:InProcessWorkerCalls"] = inProcessCalls ? "true" : "false",
        };
        var hosts = await InProcessCluster.StartAsync(postgres, "platform-shared-process", defaults, null, builder => builder.Services.AddSingleton(shared));
        var cluster = new SharedProcessCluster(hosts, shared);
        try
        {
            foreach (var id in workerIds)
            {
                var counter = cluster.GrpcInvokes.GetOrAdd(id, _ => new GrpcInvokeCounter());
                await hosts.StartWorkerAsync(id, arguments: workerArguments, configure: builder =>
                {
                    builder.Services.AddSingleton(shared);
                    builder.Services.AddGrpc(o => o.Interceptors.Add<CountingInterceptor>(counter));
                });
            }

            await hosts.WaitUntilLiveAsync(workerIds);
        }
        catch
        {
            await hosts.DisposeAsync();
            throw;
        }

        return cluster;
    }

    public WorkerHost Worker(string id) => Hosts.Workers.Single(w => w.Id == id);

    public async Task<JsonObject> DeployAsync(string key, string name, string wat, string? configJson = null)
    {
        using var client = Hosts.ControlPlane.CreateClient(key);
        HttpContent module = new StringContent(wat, Encoding.UTF8, "text/plain");
        using var content = configJson is null ? module : ApiCalls.ModuleForm(module, "module.wat", configJson);
        return await ApiCalls.DeployAsync(client, name, content);
    }

    public async Task<JsonObject> DeployBinaryAsync(string key, string name, byte[] wasm)
    {
        using var client = Hosts.ControlPlane.CreateClient(key);
        using var module = new ByteArrayContent(wasm);
        module.Headers.ContentType = new MediaTypeHeaderValue("application/wasm");
        return await ApiCalls.DeployAsync(client, name, module);
    }

    /// <summary>POST .../invoke: status, problem code or outcome, body and the worker that ran it.</summary>
    public async Task<Invoked> InvokeAsync(string key, string target, string input = "", CancellationToken cancellationToken = default)
    {
        using var client = Hosts.ControlPlane.CreateClient(key);
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(input));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var response = await client.PostAsync($"/v1/functions/{target}/invoke", content, cancellationToken).Within();
        var body = await response.Content.ReadAsStringAsync(cancellationToken).Within();
        var code = ApiCalls.ProblemCode(response, body)
            ?? (response.Headers.TryGetValues("Platform-Outcome", out var outcome) ? outcome.First() : null);
        var worker = response.Headers.TryGetValues("Platform-Worker", out var w) ? w.First() : null;
        return new Invoked(response.StatusCode, code, body, worker);
    }

    public Task WaitUntilRunningAsync(string worker, int count) =>
        Eventually.WaitForAsync(async () => (await Worker(worker).StatusAsync()).InFlight == count, TestTimeouts.Default, $"{count} invocations running on {worker}");

    public ValueTask DisposeAsync() => Hosts.DisposeAsync();

    internal sealed record Invoked(System.Net.HttpStatusCode Status, string? Code, string Body, string? Worker);

    internal sealed class GrpcInvokeCounter
    {
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public void Add() => Interlocked.Increment(ref _count);
    }

    internal sealed class CountingInterceptor(GrpcInvokeCounter counter) : Interceptor
    {
        public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
        {
            // The worker's own warm-up call before it registers (function "warm-up") is not the control plane's.
            if (request is WorkerInvokeRequest { Function: not "warm-up" }) counter.Add();
            return continuation(request, context);
        }
    }
}

/// <summary>
/// Reads one host's worker instruments (meter scope = the host's <see cref="IMeterFactory"/>, so
/// other hosts of this process with the same worker id do not count): invocations by outcome as
/// they are counted, and the gauges on demand.
/// </summary>
internal sealed class WorkerMeter : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<string, long> _outcomes = new(StringComparer.Ordinal);
    private long _gauge;

    public WorkerMeter(IServiceProvider workerServices)
    {
        var scope = workerServices.GetRequiredService<IMeterFactory>();
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter.Scope, scope) && instrument.Name is "platform.worker.invocations" or "platform.worker.invocations.queued")
                listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "outcome")
                    _outcomes.AddOrUpdate((string)tag.Value!, value, (_, sum) => sum + value);
            }
        });
        _listener.SetMeasurementEventCallback<int>((_, value, _, _) => Interlocked.Exchange(ref _gauge, value));
        _listener.Start();
    }

    /// <summary>Invocations counted by outcome label since this meter started.</summary>
    public IReadOnlyDictionary<string, long> Outcomes => new SortedDictionary<string, long>(_outcomes, StringComparer.Ordinal);

    /// <summary><c>platform.worker.invocations.queued</c> now.</summary>
    public long Queued()
    {
        _listener.RecordObservableInstruments();
        return Interlocked.Read(ref _gauge);
    }

    public void Dispose() => _listener.Dispose();
}
