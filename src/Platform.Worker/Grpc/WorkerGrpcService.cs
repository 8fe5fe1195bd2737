using System.Diagnostics;
using System.Security.Cryptography;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Platform.Contracts.V1;
using Platform.Hosting.Artifacts;
using Platform.Runtime;
using Platform.Runtime.Compilation;
using Platform.Worker.Assets;
using Platform.Worker.Hosting;
using Platform.Worker.Invocation;
using Platform.Worker.Modules;

namespace Platform.Worker.Grpc;

/// <summary>platform.v1.WorkerService: push, invoke (<see cref="WorkerInvoker"/>), evict, status. The cluster token is checked first, from the headers (<see cref="Platform.Hosting.ClusterTokenGate"/>).</summary>
internal sealed partial class WorkerGrpcService(
    ModuleStore modules,
    AssetCache assets,
    WorkerInvoker invoker,
    InvocationGate gate,
    WorkerDirectory directory,
    IOptions<WorkerOptions> options,
    ArtifactOptions artifactOptions,
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

    public override Task<WorkerInvokeResponse> Invoke(WorkerInvokeRequest request, ServerCallContext context) =>
        invoker.InvokeAsync(request, context.Deadline == DateTime.MaxValue ? null : context.Deadline, Activity.Current, context.CancellationToken);

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

    [LoggerMessage(Level = LogLevel.Information, Message = "Compiled pushed module {Sha256} ({Bytes} bytes) in {CompileMs:F1} ms")]
    private static partial void LogCompiledPush(ILogger logger, string sha256, long bytes, double compileMs);

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
