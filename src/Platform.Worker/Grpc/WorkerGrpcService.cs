using System.Diagnostics;
using System.Security.Cryptography;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Platform.Contracts.V1;
using Platform.Hosting.Artifacts;
using Platform.Hosting.Telemetry;
using Platform.Hosting.Wire;
using Platform.Runtime;
using Platform.Runtime.Compilation;
using Platform.Runtime.Files;
using Platform.Worker.Assets;
using Platform.Worker.Cluster;
using Platform.Worker.Hosting;
using Platform.Worker.Invocation;
using Platform.Worker.Modules;
using Platform.Worker.Telemetry;
using Platform.Worker.WarmUp;

namespace Platform.Worker.Grpc;

/// <summary>platform.v1.WorkerService: push, invoke, evict, status. The cluster token is checked first, from the headers (<see cref="Platform.Hosting.ClusterTokenGate"/>).</summary>
internal sealed partial class WorkerGrpcService(
    ModuleStore modules,
    AssetCache assets,
    FunctionExecutor executor,
    InvocationGate gate,
    SandboxThreads sandboxThreads,
    InvokePathWarmUp warmUp,
    WorkerDirectory directory,
    IOptions<WorkerOptions> options,
    ArtifactOptions artifactOptions,
    TimeProvider time,
    WorkerMetrics metrics,
    ILogger<WorkerGrpcService> logger) : WorkerService.WorkerServiceBase
{
    public override async Task<PushModuleResponse> PushModule(IAsyncStreamReader<PushModuleRequest> requestStream, ServerCallContext context)
    {
        var cancellationToken = context.CancellationToken;
        var maxBytes = options.Value.MaxModuleBytes;
        if (!await requestStream.MoveNext(cancellationToken) || requestStream.Current.PayloadCase != PushModuleRequest.PayloadOneofCase.Header)
            throw WorkerErrors.BadArgument("header", "the first message of a push must be the header");

        var header = requestStream.Current.Header;
        var expected = header.Sha256.ToLowerInvariant();
        if (!ModuleStore.IsHash(expected))
            throw WorkerErrors.BadArgument("header.sha256", "sha256 must be 64 hex digits");
        if (header.SizeBytes < 0)
            throw WorkerErrors.BadArgument("header.size_bytes", "size_bytes must not be negative");
        if (header.SizeBytes > maxBytes)
            throw WorkerErrors.TooLarge($"the module is {header.SizeBytes} bytes; this worker takes at most {maxBytes} (Platform:MaxModuleBytes)");

        using var buffer = new MemoryStream(header.SizeBytes > 0 ? (int)header.SizeBytes : 0);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var artifact = header.Artifact is null ? null : new ArtifactReceiver(header.Artifact, expected, artifactOptions.MaxArtifactBytes);
        var artifactStarted = false;
        while (await requestStream.MoveNext(cancellationToken))
        {
            var message = requestStream.Current;
            if (message.PayloadCase == PushModuleRequest.PayloadOneofCase.ArtifactChunk)
            {
                if (artifact is null)
                    throw WorkerErrors.BadArgument("artifact_chunk", "the push carries artifact bytes but its header announced no artifact");
                artifact.Append(message.ArtifactChunk);
                artifactStarted = true;
                continue;
            }

            if (message.PayloadCase != PushModuleRequest.PayloadOneofCase.Chunk)
                throw WorkerErrors.BadArgument("header", "only the first message of a push may be a header");
            if (artifactStarted)
                throw WorkerErrors.BadArgument("chunk", "module bytes must come before the artifact's");
            var chunk = message.Chunk.Span;
            if (buffer.Length + chunk.Length > maxBytes)
                throw WorkerErrors.TooLarge($"the module is larger than this worker takes: at most {maxBytes} bytes (Platform:MaxModuleBytes)");
            if (header.SizeBytes > 0 && buffer.Length + chunk.Length > header.SizeBytes)
                throw WorkerErrors.BadArgument("header.size_bytes", $"the push carries more than the {header.SizeBytes} bytes its header announced");
            hash.AppendData(chunk);
            buffer.Write(chunk);
        }

        if (buffer.Length == 0)
            throw WorkerErrors.BadArgument("chunk", "the push carries no module bytes");
        if (header.SizeBytes > 0 && buffer.Length != header.SizeBytes)
            throw WorkerErrors.BadArgument("header.size_bytes", $"the push carries {buffer.Length} bytes, not the {header.SizeBytes} its header announced");
        var actual = Convert.ToHexStringLower(hash.GetHashAndReset());
        if (actual != expected)
            throw WorkerErrors.BadArgument("header.sha256", $"the bytes' SHA-256 is {actual}, not {expected}; nothing was stored");

        try
        {
            var added = await modules.AddAsync(expected, buffer.ToArray(), artifact);
            if (added.Compiled)
                LogCompiledPush(logger, expected, buffer.Length, added.CompileTime.TotalMilliseconds);
            return new PushModuleResponse { Sha256 = expected, Compiled = added.Compiled, CompileMs = added.CompileTime.TotalMilliseconds, ArtifactLoaded = added.ArtifactLoaded };
        }
        catch (InvalidModuleException ex)
        {
            throw WorkerErrors.BadModule(ex.Message);
        }
        catch (CompilerUnavailableException ex)
        {
            throw WorkerErrors.NotAvailable($"module {expected} could not be compiled now: {ex.Message}");
        }
    }

    public override async Task<WorkerInvokeResponse> Invoke(WorkerInvokeRequest request, ServerCallContext context)
    {
        var invocationId = string.IsNullOrEmpty(request.InvocationId) ? Guid.NewGuid().ToString("N") : request.InvocationId;
        var tags = InvocationTags(request, invocationId);
        var server = Activity.Current;
        if (server is not null)
            foreach (var (key, value) in tags) server.SetTag(key, value);
        using var scope = logger.BeginScope(new InvocationLogScope(invocationId));
        // The worker's own warm-up before it registers: run like any call, counted as none.
        var warmUpModule = warmUp.Resolve(request.ModuleSha256);
        try
        {
            var response = await InvokeAsync(request, invocationId, tags, warmUpModule, context);
            if (warmUpModule is null && response.Outcome.TryFromWire(out var outcome)) metrics.Invocation(outcome);
            return response;
        }
        catch (RpcException ex) when (warmUpModule is null && WorkerErrors.ReasonOf(ex) is { } reason)
        {
            metrics.Refused(reason);
            throw;
        }
    }

    private async Task<WorkerInvokeResponse> InvokeAsync(WorkerInvokeRequest request, string invocationId, KeyValuePair<string, object?>[] tags, CompiledModule? warmUpModule, ServerCallContext context)
    {
        var cancellationToken = context.CancellationToken;
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

        var limits = InvocationMapping.Limits(request.Limits, UntilDeadline(context));
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

    public override Task<EvictResponse> Evict(EvictRequest request, ServerCallContext context)
    {
        if (!ModuleStore.IsHash(request.Sha256))
            throw WorkerErrors.BadArgument("sha256", "sha256 must be 64 lowercase hex digits");
        // One hash names a module or an asset bundle; the collector evicts both kinds this way.
        var evicted = modules.Evict(request.Sha256) | assets.Evict(request.Sha256);
        if (evicted)
            LogEvicted(logger, request.Sha256);
        return Task.FromResult(new EvictResponse { Evicted = evicted });
    }

    public override Task<WorkerStatus> Status(WorkerStatusRequest request, ServerCallContext context) =>
        Task.FromResult(WorkerStatusReport.Create(modules, gate, directory));

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

    private TimeSpan? UntilDeadline(ServerCallContext context)
    {
        if (context.Deadline == DateTime.MaxValue) return null;
        var remaining = context.Deadline - time.GetUtcNow().UtcDateTime;
        if (remaining <= TimeSpan.Zero)
            throw new RpcException(new global::Grpc.Core.Status(StatusCode.DeadlineExceeded, "the call's deadline passed before the invocation started"));
        return remaining;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Compiled pushed module {Sha256} ({Bytes} bytes) in {CompileMs:F1} ms")]
    private static partial void LogCompiledPush(ILogger logger, string sha256, long bytes, double compileMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cannot run invocation {InvocationId}: {Reason}")]
    private static partial void LogCannotRun(ILogger logger, string invocationId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Evicted module {Sha256}")]
    private static partial void LogEvicted(ILogger logger, string sha256);
}

internal static class WorkerStatusReport
{
    public static WorkerStatus Create(ModuleStore modules, InvocationGate gate, WorkerDirectory directory)
    {
        var statistics = modules.Cache.Statistics;
        return new WorkerStatus
        {
            WorkerId = directory.WorkerId,
            Modules = { modules.List() },
            InFlight = gate.InFlight,
            Capacity = gate.Capacity,
            CacheMemoryHits = statistics.MemoryHits,
            CacheDiskHits = statistics.DiskHits,
            CacheMisses = statistics.Misses,
            Compiles = statistics.Compiles,
            ArtifactLoads = statistics.ArtifactLoads,
            ArtifactRejections = statistics.ArtifactRejections,
        };
    }
}
