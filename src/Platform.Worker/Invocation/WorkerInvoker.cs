using System.Diagnostics;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Platform.Contracts.V1;
using Platform.Hosting.InProcess;
using Platform.Hosting.Telemetry;
using Platform.Hosting.Wire;
using Platform.Runtime;
using Platform.Runtime.Compilation;
using Platform.Runtime.Files;
using Platform.Worker.Assets;
using Platform.Worker.Cluster;
using Platform.Worker.Grpc;
using Platform.Worker.Hosting;
using Platform.Worker.Modules;
using Platform.Worker.Telemetry;
using Platform.Worker.WarmUp;

namespace Platform.Worker.Invocation;

/// <summary>
/// One invocation on this worker, from the wire request to the wire response: validate, shed,
/// get the module and assets, take a slot, run the sandbox. Refusals are the
/// <see cref="WorkerErrors"/> exceptions. Served over gRPC by <see cref="WorkerGrpcService"/> and
/// called directly by a control plane of the same process (<see cref="IInProcessWorker"/>).
/// </summary>
internal sealed partial class WorkerInvoker(
    ModuleStore modules,
    AssetCache assets,
    FunctionExecutor executor,
    InvocationGate gate,
    SandboxThreads sandboxThreads,
    InvokePathWarmUp warmUp,
    WorkerDirectory directory,
    TimeProvider time,
    WorkerMetrics metrics,
    ILogger<WorkerInvoker> logger) : IInProcessWorker
{
    public string WorkerId => directory.WorkerId;

    public Task<WorkerInvokeResponse> InvokeAsync(WorkerInvokeRequest request, DateTime? deadline, CancellationToken cancellationToken) =>
        InvokeAsync(request, deadline, serverSpan: null, cancellationToken);

    /// <param name="serverSpan">The gRPC server's span, which gets the invocation's attributes; in process there is none.</param>
    public async Task<WorkerInvokeResponse> InvokeAsync(WorkerInvokeRequest request, DateTime? deadline, Activity? serverSpan, CancellationToken cancellationToken)
    {
        var invocationId = string.IsNullOrEmpty(request.InvocationId) ? Guid.NewGuid().ToString("N") : request.InvocationId;
        var tags = InvocationTags(request, invocationId);
        if (serverSpan is not null)
            foreach (var (key, value) in tags) serverSpan.SetTag(key, value);
        using var scope = logger.BeginScope(new InvocationLogScope(invocationId));
        // The worker's own warm-up before it registers: run like any call, counted as none.
        var warmUpModule = warmUp.Resolve(request.ModuleSha256);
        try
        {
            var response = await RunAsync(request, invocationId, tags, warmUpModule, deadline, cancellationToken);
            if (warmUpModule is null && response.Outcome.TryFromWire(out var outcome)) metrics.Invocation(outcome);
            return response;
        }
        catch (RpcException ex) when (warmUpModule is null && WorkerErrors.ReasonOf(ex) is { } reason)
        {
            metrics.Refused(reason);
            throw;
        }
    }

    private async Task<WorkerInvokeResponse> RunAsync(WorkerInvokeRequest request, string invocationId, KeyValuePair<string, object?>[] tags, CompiledModule? warmUpModule, DateTime? deadline, CancellationToken cancellationToken)
    {
        var sha256 = request.ModuleSha256;
        if (!ModuleStore.IsHash(sha256))
            throw WorkerErrors.BadArgument("module_sha256", "module_sha256 must be 64 lowercase hex digits");
        if (string.IsNullOrEmpty(request.Function))
            throw WorkerErrors.BadArgument("function", "function is required (it is argv[0])");
        if (request.AssetsSha256.Length > 0 && !ModuleStore.IsHash(request.AssetsSha256))
            throw WorkerErrors.BadArgument("assets_sha256", "assets_sha256 must be empty or 64 lowercase hex digits");
        // Validate before fetching anything.
        _ = InvocationMapping.Limits(request.Limits, null);

        // Shed before doing any work for a call this worker could not run anyway.
        if (!gate.HasRoom)
            throw Overloaded();

        CompiledModule module;
        try
        {
            module = warmUpModule ?? await modules.GetAsync(sha256, cancellationToken);
        }
        catch (InvalidModuleException ex)
        {
            return InvocationMapping.InvalidModule(ex.Message, directory.WorkerId);
        }
        catch (CompilerUnavailableException ex)
        {
            throw WorkerErrors.NotAvailable($"module {sha256} could not be compiled on this worker now: {ex.Message}");
        }
        catch (ModuleUnavailableException ex)
        {
            LogCannotRun(logger, request.InvocationId, ex.Message);
            throw WorkerErrors.NotAvailable($"module {sha256} is not on this worker and could not be fetched: {ex.Message}");
        }

        AssetBundle? bundle = null;
        if (request.AssetsSha256.Length > 0)
        {
            try
            {
                bundle = await assets.GetAsync(request.AssetsSha256, cancellationToken);
            }
            catch (ModuleUnavailableException ex)
            {
                LogCannotRun(logger, request.InvocationId, ex.Message);
                throw WorkerErrors.NotAvailable($"asset bundle {request.AssetsSha256} is not on this worker and could not be fetched: {ex.Message}");
            }
        }

        var limits = InvocationMapping.Limits(request.Limits, UntilDeadline(deadline));
        var invocation = InvocationMapping.Request(request, invocationId, limits) with { ActivityTags = tags, Assets = bundle };

        if (!await gate.TryEnterAsync(cancellationToken))
            throw Overloaded();
        try
        {
            var result = await sandboxThreads.Run(() => executor.Invoke(module, invocation), cancellationToken);
            return InvocationMapping.Response(result, invocation, directory.WorkerId);
        }
        catch (SandboxOverloadedException)
        {
            throw WorkerErrors.Overload("every sandbox slot of this worker is in use; try another worker");
        }
        finally
        {
            gate.Exit();
        }
    }

    /// <summary>The attributes of the worker's server span and of the sandbox span.</summary>
    private KeyValuePair<string, object?>[] InvocationTags(WorkerInvokeRequest request, string invocationId) =>
    [
        new(RuntimeTelemetry.Attributes.WorkerId, directory.WorkerId),
        new(RuntimeTelemetry.Attributes.InvocationId, invocationId),
        new(RuntimeTelemetry.Attributes.Tenant, request.Tenant),
        new(RuntimeTelemetry.Attributes.Function, request.Function),
        new(RuntimeTelemetry.Attributes.Version, request.Version),
    ];

    private RpcException Overloaded() =>
        WorkerErrors.Overload($"this worker is running {gate.Capacity} invocations, its limit (Platform:MaxConcurrentInvocations), and no slot freed within its queue timeout; try another worker");

    private TimeSpan? UntilDeadline(DateTime? deadline)
    {
        if (deadline is not { } at) return null;
        var remaining = at - time.GetUtcNow().UtcDateTime;
        if (remaining <= TimeSpan.Zero)
            throw new RpcException(new global::Grpc.Core.Status(StatusCode.DeadlineExceeded, "the call's deadline passed before the invocation started"));
        return remaining;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cannot run invocation {InvocationId}: {Reason}")]
    private static partial void LogCannotRun(ILogger logger, string invocationId, string reason);
}
