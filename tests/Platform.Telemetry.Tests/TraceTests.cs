using System.Diagnostics;
using Grpc.Core;

namespace Platform.Telemetry.Tests;

/// <summary>
/// One trace per invocation: the control plane's server span -> its <c>invoke</c> span -> the
/// gRPC client span -> the worker's server span -> <c>sandbox.execute</c>, the trace context
/// carried over gRPC; logs of the invocation carry its trace and invocation id.
/// </summary>
[Collection(TelemetryCollection.Name)]
public sealed class TraceTests(TelemetryEnvironment environment)
{
    [Fact]
    public async Task RestInvocation_SpansChainFromServerToSandbox()
    {
        var cluster = await environment.SharedClusterAsync();
        var (tenant, key) = await cluster.CreateTenantAsync();
        var version = await cluster.DeployAsync(key, "hello", Wat.Salted(Wat.Hello));
        var sha256 = version["sha256"]!.GetValue<string>();

        var (_, outcome, response) = await cluster.InvokeAsync(key, "hello");
        response.Dispose();
        Assert.Equal("OK", outcome);
        var invocationId = response.Headers.GetValues("Platform-Invocation-Id").Single();
        var workerId = response.Headers.GetValues("Platform-Worker").Single();

        var chain = await ChainAsync(cluster, invocationId);
        Assert.Equal("Microsoft.AspNetCore", chain.Server.Source.Name);
        Assert.Equal(ActivityKind.Server, chain.Server.Kind);
        Assert.Equal("/v1/functions/{target}/invoke", chain.Server.GetTagItem("http.route"));

        Assert.Equal(tenant, chain.Invoke.GetTagItem("platform.tenant"));
        Assert.Equal("hello", chain.Invoke.GetTagItem("platform.function"));
        Assert.Equal(1, chain.Invoke.GetTagItem("platform.function.version"));
        Assert.Equal("OK", chain.Invoke.GetTagItem("platform.outcome"));
        Assert.Equal(workerId, chain.Invoke.GetTagItem("platform.worker.id"));

        Assert.Equal(ActivityKind.Client, chain.Client.Kind);
        Assert.Equal("platform.v1.WorkerService/Invoke", chain.Client.DisplayName);
        Assert.Equal(ActivityKind.Server, chain.Worker.Kind);
        Assert.Equal("/platform.v1.WorkerService/Invoke", chain.Worker.GetTagItem("url.path"));
        Assert.Equal(workerId, chain.Worker.GetTagItem("platform.worker.id"));

        var sandbox = chain.Sandbox;
        Assert.Equal("Platform.Runtime", sandbox.Source.Name);
        Assert.Equal("OK", sandbox.GetTagItem("platform.outcome"));
        Assert.Equal(workerId, sandbox.GetTagItem("platform.worker.id"));
        Assert.Equal(sha256, sandbox.GetTagItem("platform.module.sha256"));
        Assert.Equal(invocationId, sandbox.GetTagItem("platform.invocation.id"));
        Assert.Equal(long.Parse(response.Headers.GetValues("Platform-Fuel-Consumed").Single(), System.Globalization.CultureInfo.InvariantCulture), sandbox.GetTagItem("platform.fuel.consumed"));
        var logs = Assert.Single(sandbox.Events, e => e.Name == "function.logs");
        Assert.Equal("a log line\n", logs.Tags.Single(t => t.Key == "platform.logs").Value);
        Assert.Equal(ActivityStatusCode.Unset, sandbox.Status);

        // No HttpClient span between the gRPC client span and the worker: the gRPC span stands for the call.
        Assert.DoesNotContain(cluster.Collector.Spans, span => span.TraceId == chain.Server.TraceId && span.Source.Name == "System.Net.Http" && span.ParentSpanId == chain.Client.SpanId);
    }

    [Fact]
    public async Task GrpcInvocation_FailingOutcome_SameChainWithErrorStatus()
    {
        var cluster = await environment.SharedClusterAsync();
        var (_, key) = await cluster.CreateTenantAsync();
        await cluster.DeployAsync(key, "trap", Wat.Salted(Wat.Unreachable));

        var (_, error) = await cluster.GrpcInvokeAsync(key, "trap");
        Assert.NotNull(error);
        var invocationId = error.GetRpcStatus()!.GetDetail<Google.Rpc.ErrorInfo>()!.Metadata["invocation_id"];

        var chain = await ChainAsync(cluster, invocationId);
        Assert.Equal("/platform.v1.InvocationService/Invoke", chain.Server.GetTagItem("url.path"));
        Assert.Equal("TRAP", chain.Invoke.GetTagItem("platform.outcome"));
        Assert.Equal(ActivityStatusCode.Error, chain.Invoke.Status);
        Assert.Equal("TRAP", chain.Sandbox.GetTagItem("platform.outcome"));
        Assert.Equal(ActivityStatusCode.Error, chain.Sandbox.Status);
    }

    [Fact]
    public async Task Invocation_Logs_CarryTraceIdAndInvocationId()
    {
        var cluster = await environment.SharedClusterAsync();
        var (tenant, key) = await cluster.CreateTenantAsync();
        await cluster.DeployAsync(key, "hello", Wat.Salted(Wat.Hello));

        var (_, _, response) = await cluster.InvokeAsync(key, "hello");
        response.Dispose();
        var invocationId = response.Headers.GetValues("Platform-Invocation-Id").Single();
        var chain = await ChainAsync(cluster, invocationId);

        var record = await Eventually.WaitForAsync(
            () => cluster.Collector.Logs.FirstOrDefault(l => l.Scopes.TryGetValue("InvocationId", out var id) && (string?)id == invocationId),
            l => l is not null,
            "the invocation's log record");
        Assert.Equal("Platform.ControlPlane.Invocation.InvocationRouter", record!.Category);
        Assert.Equal(chain.Invoke.TraceId, record.TraceId);
        Assert.Equal(chain.Invoke.SpanId, record.SpanId);
        Assert.Contains($"of {tenant}/hello@1 ended OK", record.Message, StringComparison.Ordinal);
        // The console's scopes carry the trace too (ActivityTrackingOptions).
        Assert.Equal(chain.Invoke.TraceId.ToHexString(), record.Scopes["TraceId"]?.ToString());
    }

    private sealed record Chain(Activity Server, Activity Invoke, Activity Client, Activity Worker, Activity Sandbox);

    /// <summary>The spans of one invocation, each the parent of the next, found from its <c>invoke</c> span.</summary>
    private static async Task<Chain> ChainAsync(TelemetryCluster cluster, string invocationId)
    {
        // The server span ends after the response is written: wait for it.
        return await Eventually.WaitForAsync(
            () =>
            {
                var spans = cluster.Collector.Spans;
                var invoke = spans.SingleOrDefault(s => s.Source.Name == "Platform.ControlPlane" && s.DisplayName == "invoke" && (string?)s.GetTagItem("platform.invocation.id") == invocationId);
                if (invoke is null) return null;
                var trace = spans.Where(s => s.TraceId == invoke.TraceId).ToList();
                var server = trace.SingleOrDefault(s => s.SpanId == invoke.ParentSpanId);
                var client = trace.SingleOrDefault(s => s.ParentSpanId == invoke.SpanId && s.Kind == ActivityKind.Client);
                var worker = client is null ? null : trace.SingleOrDefault(s => s.ParentSpanId == client.SpanId && s.Kind == ActivityKind.Server);
                var sandbox = worker is null ? null : trace.SingleOrDefault(s => s.ParentSpanId == worker.SpanId && s.DisplayName == "sandbox.execute");
                return server is null || client is null || worker is null || sandbox is null ? null : new Chain(server, invoke, client, worker, sandbox);
            },
            chain => chain is not null,
            $"the spans of invocation {invocationId}") ?? throw new InvalidOperationException();
    }
}
