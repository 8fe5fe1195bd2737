using System.Diagnostics;
using System.Net.Sockets;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Platform.ControlPlane.Cluster;
using Platform.ControlPlane.Errors;
using Platform.ControlPlane.Functions;
using Platform.ControlPlane.History;
using Platform.ControlPlane.Limits;
using Platform.ControlPlane.Quotas;
using Platform.ControlPlane.Telemetry;
using Platform.ControlPlane.Tenants;
using Platform.ControlPlane.Usage;
using Platform.Hosting.Telemetry;
using Platform.Hosting.Wire;
using Platform.Runtime;
using Polly.CircuitBreaker;
using V1 = Platform.Contracts.V1;

namespace Platform.ControlPlane.Invocation;

/// <summary>
/// The invoke path: resolve name[@version] -> limits from the version's config bounded by the
/// tenant's quotas -> a worker in placement order (the first ones hold the module; any other
/// fetches it) -> one gRPC call with a deadline of the function's timeout plus a margin.
/// Another worker is tried only when the call provably never started: the worker could not be
/// connected to, or refused the work as OVERLOADED. Never after execution may have begun.
/// </summary>
internal sealed partial class InvocationRouter(
    IFunctionCatalog catalog,
    ITenantDirectory tenants,
    WorkerRegistry registry,
    WorkerCalls calls,
    WorkerBreakers breakers,
    TenantLimits tenantLimits,
    IOptions<ClusterOptions> options,
    TimeProvider time,
    ControlPlaneMetrics metrics,
    UsageAggregator usage,
    HistoryBuffer history,
    ILogger<InvocationRouter> logger)
{
    public const int MaxLogBytes = 64 * 1024;

    /// <summary>Resolves the function and the tenant's quotas; NOT_FOUND for anything the tenant does not own.</summary>
    public async Task<(ResolvedFunction Function, EffectiveQuotas Quotas)> ResolveAsync(InvocationTenant tenant, InvocationTarget target, CancellationToken cancellationToken)
    {
        var quotas = await tenants.GetQuotasAsync(tenant.Id, cancellationToken)
            ?? throw new PlatformException(ErrorCode.Unauthenticated, "the key's tenant no longer exists");
        var function = await catalog.ResolveAsync(tenant.Id, target.Name, target.Reference, cancellationToken)
            ?? throw PlatformException.NotFound(target.Reference is null
                ? $"function '{target.Name}' does not exist"
                : $"function '{target.Name}' does not exist or has no version or alias '{target.Reference}'");
        return (function, quotas);
    }

    /// <summary>
    /// Runs the function on a worker. Records the invocation (metrics, the <c>invoke</c> span, a
    /// logging scope with its id) once it reaches a decision; <paramref name="startedAt"/>
    /// (a <see cref="Stopwatch"/> timestamp) is when the edge received the request.
    /// </summary>
    public async Task<InvocationReply> InvokeAsync(InvocationTenant caller, ResolvedFunction function, EffectiveQuotas quotas, InvocationInput input, CancellationToken cancellationToken, long? startedAt = null)
    {
        var started = startedAt ?? Stopwatch.GetTimestamp();
        var invocationId = input.InvocationId;
        using var activity = ControlPlaneTelemetry.Source.StartActivity(ControlPlaneTelemetry.InvokeActivityName);
        activity?.SetTag(RuntimeTelemetry.Attributes.Tenant, caller.Name);
        activity?.SetTag(ControlPlaneTelemetry.TriggerAttribute, ControlPlaneMetrics.TriggerLabel(input.Trigger));
        activity?.SetTag(RuntimeTelemetry.Attributes.Function, function.Name);
        activity?.SetTag(RuntimeTelemetry.Attributes.Version, function.Version);
        activity?.SetTag(RuntimeTelemetry.Attributes.InvocationId, invocationId);
        using var scope = logger.BeginScope(new InvocationLogScope(invocationId));
        try
        {
            // Rate and concurrency limits: refused at once; the slot is held until the call ends, whatever its end.
            using var admitted = tenantLimits.Acquire(caller.Id, quotas);
            var reply = await RouteAsync(caller, function, quotas, input, invocationId, cancellationToken);
            metrics.Ran(caller.Name, function.Name, input.Trigger, reply, Stopwatch.GetElapsedTime(started));
            usage.Record(caller.Id, function.Name, reply.Outcome, reply.FuelConsumed, reply.DurationUs);
            history.Add(Record(caller, function, input, reply));
            activity?.SetTag(RuntimeTelemetry.Attributes.Outcome, reply.Code);
            activity?.SetTag(RuntimeTelemetry.Attributes.WorkerId, reply.Worker);
            activity?.SetTag(RuntimeTelemetry.Attributes.FuelConsumed, reply.FuelConsumed);
            if (!reply.IsOk) activity?.SetStatus(ActivityStatusCode.Error, reply.Code);
            LogInvoked(logger, invocationId, caller.Name, function.Name, function.Version, reply.Code, reply.Worker, reply.FuelConsumed);
            return reply;
        }
        catch (PlatformException ex)
        {
            Refused(caller, function, input.Trigger, ex.Code, started);
            activity?.SetTag(RuntimeTelemetry.Attributes.Outcome, ex.Code.WireName());
            activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
            LogRefused(logger, invocationId, caller.Name, function.Name, function.Version, ex.Code.WireName(), ex.Message);
            throw;
        }
    }

    private InvocationRecord Record(InvocationTenant caller, ResolvedFunction function, InvocationInput input, InvocationReply reply)
    {
        // PostgreSQL keeps microseconds: the record's time is what a list cursor will carry.
        var now = time.GetUtcNow();
        var endedAt = new DateTimeOffset(now.UtcTicks - (now.UtcTicks % TimeSpan.TicksPerMicrosecond), TimeSpan.Zero);
        return new InvocationRecord(
            caller.Id, reply.InvocationId, endedAt, reply.Function, reply.Version, ControlPlaneMetrics.TriggerLabel(input.Trigger),
            reply.Code, reply.ExitCode, reply.Message, reply.FuelConsumed, reply.DurationUs, reply.Worker,
            input.Stdin.Length, reply.Output.Length, reply.Logs, reply.LogsTruncated)
        {
            Recording = reply.Recording is { } recording && function.Config.Keeps(reply.IsOk)
                ? InvocationRecording.From(function.ModuleSha256, input.Stdin, reply.Output, recording)
                : null,
        };
    }

    /// <summary>Records a refusal the edge decided itself (an input over the tenant's limit); errors that are not an invocation's decision are ignored.</summary>
    public void Refused(InvocationTenant caller, ResolvedFunction function, InvocationTrigger trigger, ErrorCode code, long startedAt)
    {
        if (ControlPlaneMetrics.Refusal(code) is { } outcome)
            metrics.Refused(caller.Name, function.Name, trigger, outcome, Stopwatch.GetElapsedTime(startedAt));
    }

    private async Task<InvocationReply> RouteAsync(InvocationTenant caller, ResolvedFunction function, EffectiveQuotas quotas, InvocationInput input, string invocationId, CancellationToken cancellationToken)
    {
        if (input.Stdin.Length > quotas.MaxInputBytes)
            throw new PlatformException(ErrorCode.PayloadTooLarge, $"the input is larger than the tenant's limit of {quotas.MaxInputBytes} bytes");

        var limits = Limits(function.Config, quotas);
        var request = new V1.WorkerInvokeRequest
        {
            InvocationId = invocationId,
            Tenant = caller.Name,
            Function = function.Name,
            Version = function.Version,
            ModuleSha256 = function.ModuleSha256,
            // The input's buffer is this invocation's own and nothing writes to it after the edge read it.
            Input = UnsafeByteOperations.UnsafeWrap(input.Stdin),
            Args = { function.Config.Args },
            Limits = limits,
            Record = function.Config.Record is not null,
            AssetsSha256 = function.AssetsSha256 ?? "",
        };
        foreach (var (name, value) in function.Config.Env)
            request.Env[name] = value;
        if (input.Environment is { } environment)
        {
            foreach (var (name, value) in environment)
                request.Env[name] = value;
        }

        var workers = registry.Live;
        if (workers.Count == 0)
            throw new PlatformException(ErrorCode.Unavailable, "no worker is available to run the function");

        var deadline = time.GetUtcNow().UtcDateTime + TimeSpan.FromMilliseconds(limits.TimeoutMs) + options.Value.InvokeDeadlineMargin;
        // Workers whose circuit breaker is open are skipped (nothing is sent to them).
        var candidates = Candidates(function.ModuleSha256, workers);
        if (candidates.Count == 0)
            throw new PlatformException(ErrorCode.Unavailable, "every live worker is failing (circuit open); retry later");
        var attempts = Math.Min(options.Value.MaxInvokeAttempts, candidates.Count);
        RpcException? last = null;
        var overloaded = false;
        for (var attempt = 0; attempt < attempts; attempt++)
        {
            var worker = candidates[attempt];
            try
            {
                var response = await breakers.ExecuteAsync(
                    worker.Id,
                    async token => await calls.InvokeAsync(worker, request, deadline, token),
                    cancellationToken);
                return ToReply(request, response, worker);
            }
            catch (BrokenCircuitException ex)
            {
                // Opened since the candidates were chosen: the call was not made.
                last = new RpcException(new global::Grpc.Core.Status(StatusCode.Unavailable, $"worker {worker.Id}: circuit open", ex));
            }
            catch (RpcException ex) when (NeverStarted(ex))
            {
                last = ex;
                overloaded |= Refusal(ex) == V1.RefusalReason.Overloaded;
            }
            catch (RpcException ex)
            {
                throw Translate(ex, worker);
            }
        }

        // Saturation is the cause worth reporting: a later candidate that could not even get the
        // module (the database down) only failed because the ones holding it were full.
        throw overloaded ? Saturated() : Translate(last!, candidates[attempts - 1]);
    }

    private List<WorkerInfo> Candidates(string moduleSha256, IReadOnlyList<WorkerInfo> workers)
    {
        var ranked = RendezvousPlacement.Rank(moduleSha256, workers);
        var candidates = new List<WorkerInfo>(ranked.Count);
        foreach (var worker in ranked)
        {
            if (!breakers.IsOpen(worker.Id)) candidates.Add(worker);
        }

        return candidates;
    }

    public static V1.InvocationLimits Limits(FunctionConfig config, EffectiveQuotas quotas) => new()
    {
        Fuel = Math.Min(config.Fuel ?? quotas.MaxFuel, quotas.MaxFuel),
        MemoryMb = Math.Min(config.MemoryMb ?? quotas.MaxMemoryMb, quotas.MaxMemoryMb),
        TimeoutMs = Math.Min(config.TimeoutMs ?? quotas.MaxTimeoutMs, quotas.MaxTimeoutMs),
        MaxOutputBytes = (int)Math.Min(quotas.MaxOutputBytes, int.MaxValue),
        MaxLogBytes = MaxLogBytes,
        // A scratch limit set under a higher quota is held to today's quota, like the other limits.
        ScratchMaxBytes = Math.Min(config.ScratchMaxBytes, quotas.MaxScratchBytes),
    };

    private static InvocationReply ToReply(V1.WorkerInvokeRequest request, V1.WorkerInvokeResponse response, WorkerInfo worker) => new(
        request.InvocationId,
        request.Function,
        request.Version,
        response.Outcome.TryFromWire(out var outcome)
            ? outcome
            : throw new PlatformException(ErrorCode.Unavailable, $"worker {worker.Id} answered with an outcome this control plane does not know ({response.Outcome})"),
        // A parsed message's bytes are its own array, never a reused buffer: kept as they are.
        response.Output.Memory,
        response.Logs.IsEmpty ? [] : response.Logs.ToByteArray(),
        response.LogsTruncated,
        response.HasExitCode ? response.ExitCode : null,
        string.IsNullOrEmpty(response.Message) ? null : response.Message,
        response.FuelConsumed,
        response.DurationUs,
        string.IsNullOrEmpty(response.WorkerId) ? worker.Id : response.WorkerId)
    {
        Recording = response.Recording,
    };

    /// <summary>The worker refused before running anything (saturated, or it could not obtain the module), or was never reached.</summary>
    private static bool NeverStarted(RpcException ex) =>
        Refusal(ex) is V1.RefusalReason.Overloaded or V1.RefusalReason.ModuleUnavailable
        || (ex.StatusCode == StatusCode.Unavailable && IsConnectFailure(ex.Status.DebugException));

    private static bool IsConnectFailure(Exception? exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (current is SocketException { SocketErrorCode: SocketError.ConnectionRefused or SocketError.HostUnreachable or SocketError.NetworkUnreachable or SocketError.TimedOut })
                return true;
        }

        return false;
    }

    private static V1.RefusalReason? Refusal(RpcException ex) => ex.GetRpcStatus()?.GetDetail<V1.WorkerRefusal>()?.Reason;

    private static PlatformException Saturated() => new(ErrorCode.Overloaded, "every worker that could run the function is saturated; retry later");

    private static PlatformException Translate(RpcException ex, WorkerInfo worker) => Refusal(ex) switch
    {
        V1.RefusalReason.Overloaded => Saturated(),
        V1.RefusalReason.ModuleUnavailable => new PlatformException(ErrorCode.Unavailable, $"worker {worker.Id} could not obtain the module: {ex.Status.Detail}"),
        _ => ex.StatusCode switch
        {
            StatusCode.DeadlineExceeded => new PlatformException(ErrorCode.Unavailable, $"worker {worker.Id} did not answer within the function's timeout plus margin"),
            StatusCode.Cancelled => new PlatformException(ErrorCode.Unavailable, "the invocation was cancelled"),
            _ => new PlatformException(ErrorCode.Unavailable, $"worker {worker.Id} failed: {ex.Status.Detail}"),
        },
    };

    [LoggerMessage(Level = LogLevel.Debug, Message = "Invocation {InvocationId} of {Tenant}/{Function}@{Version} ended {Outcome} on {Worker} ({FuelConsumed} fuel)")]
    private static partial void LogInvoked(ILogger logger, string invocationId, string tenant, string function, int version, string outcome, string worker, long fuelConsumed);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Invocation {InvocationId} of {Tenant}/{Function}@{Version} refused {Outcome}: {Reason}")]
    private static partial void LogRefused(ILogger logger, string invocationId, string tenant, string function, int version, string outcome, string reason);
}
