using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Security.Cryptography;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Platform.Contracts.V1;
using Platform.Worker.Telemetry;
using Platform.Worker.WarmUp;

namespace Platform.Worker.Tests;

public sealed class WarmUpTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    private static readonly string WarmUpSha256 = Convert.ToHexStringLower(SHA256.HashData(Wasmtime.Module.ConvertText(WarmUpModule.EchoText)));

    [Fact]
    public async Task Start_InvokesItsOwnListenerBeforeRegistering()
    {
        await using var controlPlane = await FakeControlPlane.StartAsync();
        await using var worker = await TestWorker.StartAsync(controlPlane.Url, configure: RecordInvocations(controlPlane.State.Timeline));

        await Eventually.WaitForAsync(() => !controlPlane.State.Registrations.IsEmpty, Wait, "a registration");

        // The warm-up went through the gRPC pipeline, answered OK, and only then did the worker register.
        Assert.Equal([$"invoke {WarmUpSha256} Ok warm-up", "register"], controlPlane.State.Timeline.Take(2));
    }

    [Fact]
    public async Task Start_WarmUpOff_RegistersWithoutInvoking()
    {
        await using var controlPlane = await FakeControlPlane.StartAsync();
        await using var worker = await TestWorker.StartAsync(
            controlPlane.Url,
            settings: new Dictionary<string, string?> { ["WarmUpBeforeRegister"] = "false" },
            configure: RecordInvocations(controlPlane.State.Timeline));

        await Eventually.WaitForAsync(() => !controlPlane.State.Registrations.IsEmpty, Wait, "a registration");

        Assert.Equal("register", controlPlane.State.Timeline.First());
        Assert.DoesNotContain(controlPlane.State.Timeline, entry => entry.StartsWith("invoke", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Start_WarmUp_CountsAsNoInvocationAndLeavesNoModule()
    {
        using var invocations = new InvocationCounter();
        await using var controlPlane = await FakeControlPlane.StartAsync();
        await using var worker = await TestWorker.StartAsync(controlPlane.Url, configure: RecordInvocations(controlPlane.State.Timeline));
        await Eventually.WaitForAsync(() => !controlPlane.State.Registrations.IsEmpty, Wait, "a registration");
        Assert.StartsWith("invoke ", controlPlane.State.Timeline.First(), StringComparison.Ordinal);

        var status = await worker.StatusAsync();
        Assert.Empty(status.Modules);
        Assert.Empty(Assert.Single(controlPlane.State.Registrations).Modules);
        Assert.Equal(0, status.Compiles);
        Assert.Equal(0, status.CacheMemoryHits + status.CacheDiskHits + status.CacheMisses);
        Assert.Equal(0, invocations.For(status.WorkerId));

        // A tenant's invocation counts: the counter does see this worker.
        var hello = Guest.FromWat(Wat.Hello);
        await worker.PushAsync(hello);
        Assert.Equal(InvocationOutcome.Ok, (await worker.InvokeAsync(hello)).Outcome);
        Assert.Equal(1, invocations.For(status.WorkerId));
    }

    [Theory]
    [InlineData("not a module at all", "")]
    [InlineData(GuestWat.Unreachable, "")]
    [InlineData(GuestWat.Spin, "")]
    [InlineData(WarmUpModule.EchoText, "a different answer")]
    public async Task Start_BrokenWarmUp_StillRegistersAndServes(string text, string expectedOutput)
    {
        await using var controlPlane = await FakeControlPlane.StartAsync();
        await using var worker = await TestWorker.StartAsync(controlPlane.Url, configure: builder =>
        {
            builder.Services.AddSingleton(new WarmUpModule(text, "warm-up", expectedOutput));
            RecordInvocations(controlPlane.State.Timeline)(builder);
        });

        await Eventually.WaitForAsync(() => !controlPlane.State.Registrations.IsEmpty, Wait, "a registration");
        await Eventually.WaitForAsync(() => !controlPlane.State.Heartbeats.IsEmpty, Wait, "a heartbeat");

        var hello = Guest.FromWat(Wat.Hello);
        await worker.PushAsync(hello);
        var response = await worker.InvokeAsync(hello);
        Assert.Equal(InvocationOutcome.Ok, response.Outcome);
        Assert.Equal("hello", response.Output.ToStringUtf8());
    }

    [Fact]
    public async Task Invoke_WarmUpModuleAfterTheWarmUp_IsAnUnknownModule()
    {
        await using var controlPlane = await FakeControlPlane.StartAsync();
        await using var worker = await TestWorker.StartAsync(controlPlane.Url, configure: RecordInvocations(controlPlane.State.Timeline));
        await Eventually.WaitForAsync(() => !controlPlane.State.Registrations.IsEmpty, Wait, "a registration");
        Assert.StartsWith($"invoke {WarmUpSha256} Ok", controlPlane.State.Timeline.First(), StringComparison.Ordinal);

        // Once registered, nobody can run the worker's own module: its hash is asked of the control plane like any other.
        await RpcAssert.FailsAsync(() => worker.InvokeAsync(WarmUpSha256, "warm-up"), StatusCode.Unavailable, RefusalReason.ModuleUnavailable);
        Assert.Equal(1, controlPlane.State.FetchCount(WarmUpSha256));
        Assert.Empty((await worker.StatusAsync()).Modules);
    }

    /// <summary>Adds every Invoke the worker answers to <paramref name="timeline"/>: hash, outcome, output.</summary>
    private static Action<WebApplicationBuilder> RecordInvocations(ConcurrentQueue<string> timeline) =>
        builder => builder.Services.AddGrpc(options => options.Interceptors.Add<InvokeRecorder>(timeline));

    private sealed class InvokeRecorder(ConcurrentQueue<string> timeline) : Interceptor
    {
        public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
        {
            var response = await continuation(request, context);
            if (request is WorkerInvokeRequest invoke && response is WorkerInvokeResponse answer)
                timeline.Enqueue($"invoke {invoke.ModuleSha256} {answer.Outcome} {answer.Output.ToStringUtf8()}");
            return response;
        }
    }

    /// <summary>Measurements of <c>platform.worker.invocations</c>, by worker.</summary>
    private sealed class InvocationCounter : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentDictionary<string, long> _byWorker = new(StringComparer.Ordinal);

        public InvocationCounter()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == WorkerTelemetry.MeterName && instrument.Name == WorkerMetrics.InvocationsName)
                    listener.EnableMeasurementEvents(instrument);
            };
            _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
            {
                foreach (var tag in tags)
                {
                    if (tag.Key == "worker" && tag.Value is string worker)
                        _byWorker.AddOrUpdate(worker, value, (_, sum) => sum + value);
                }
            });
            _listener.Start();
        }

        public long For(string workerId) => _byWorker.TryGetValue(workerId, out var count) ? count : 0;

        public void Dispose() => _listener.Dispose();
    }
}
