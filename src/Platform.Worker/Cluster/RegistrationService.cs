using Grpc.Core;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Platform.Contracts.V1;
using Platform.Runtime;
using Platform.Runtime.Compilation;
using Platform.Worker.Hosting;
using Platform.Worker.Invocation;
using Platform.Worker.Modules;
using Platform.Worker.WarmUp;
using Polly;
using Polly.Retry;

namespace Platform.Worker.Cluster;

/// <summary>
/// The worker's side of the registry. At start: loads the disk artifact cache, waits until the
/// gRPC listener serves, runs one warm-up invocation through it (<see cref="InvokePathWarmUp"/>), registers with the modules it holds (retrying with capped exponential
/// backoff for as long as the control plane is unreachable), fetches in the background the
/// assigned modules it lacks, then heartbeats; a heartbeat answered <c>known = false</c> sends it
/// back to registering. Never stops the host: a worker that cannot reach its control plane keeps
/// serving what it has.
/// </summary>
internal sealed partial class RegistrationService(
    ControlPlaneClient controlPlane,
    ModuleStore modules,
    InvocationGate gate,
    WorkerDirectory directory,
    WorkerListener listener,
    InvokePathWarmUp warmUp,
    WasmEngine engine,
    IHostApplicationLifetime lifetime,
    IOptions<WorkerOptions> options,
    TimeProvider time,
    ILogger<RegistrationService> logger) : BackgroundService
{
    private readonly WorkerOptions _options = options.Value;
    private int _registrations;

    /// <summary>Successful registrations since start.</summary>
    public int Registrations => Volatile.Read(ref _registrations);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Leave host start-up at once; everything below runs in the background.
        await Task.Yield();
        try
        {
            if (_options.PreloadArtifacts)
            {
                try
                {
                    var held = await Task.Run(() => modules.Preload(engine.Options.MemoryCacheMaxModules, stoppingToken), stoppingToken);
                    LogPreloaded(logger, directory.WorkerId, held.Count, directory.ArtifactsPath);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // Not fatal: modules load from disk on first use instead.
                    LogPreloadFailed(logger, directory.ArtifactsPath, ex);
                }
            }

            if (!_options.Register) return;
            await WaitUntilServingAsync(stoppingToken);
            if (_options.WarmUpBeforeRegister)
                await warmUp.RunAsync(stoppingToken);
            var retry = BuildRetryPipeline();
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    var registration = await retry.ExecuteAsync(RegisterOnceAsync, stoppingToken);
                    var interval = registration.HeartbeatIntervalMs > 0
                        ? TimeSpan.FromMilliseconds(registration.HeartbeatIntervalMs)
                        : _options.HeartbeatInterval;
                    _ = PrefetchAsync(registration.AssignedModules, stoppingToken);
                    await HeartbeatUntilUnknownAsync(interval, stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                {
                    // Whatever went wrong, the worker keeps serving and tries again: an exception
                    // escaping a BackgroundService would stop the host.
                    LogRegistrationCrashed(logger, directory.WorkerId, ex);
                    await Task.Delay(_options.RegistrationRetryMaxDelay, time, stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Host shutdown.
        }
    }

    private async ValueTask<RegisterWorkerResponse> RegisterOnceAsync(CancellationToken cancellationToken)
    {
        var request = new RegisterWorkerRequest
        {
            WorkerId = directory.WorkerId,
            AdvertiseUrl = AdvertiseUrl(),
            Capacity = gate.Capacity,
            Modules = { modules.List() },
        };
        var response = await controlPlane.Client.RegisterAsync(request, deadline: controlPlane.CallDeadline(), cancellationToken: cancellationToken);
        Interlocked.Increment(ref _registrations);
        LogRegistered(logger, directory.WorkerId, _options.ControlPlaneUrl, request.AdvertiseUrl, request.Modules.Count, response.AssignedModules.Count);
        return response;
    }

    private async Task HeartbeatUntilUnknownAsync(TimeSpan interval, CancellationToken stoppingToken)
    {
        var failing = false;
        while (true)
        {
            await Task.Delay(interval, time, stoppingToken);
            try
            {
                var response = await controlPlane.Client.HeartbeatAsync(
                    new HeartbeatRequest { WorkerId = directory.WorkerId, InFlight = gate.InFlight, ModuleCount = modules.List().Count },
                    deadline: controlPlane.CallDeadline(),
                    cancellationToken: stoppingToken);
                if (failing)
                    LogHeartbeatsBack(logger, directory.WorkerId);
                failing = false;
                if (!response.Known)
                {
                    LogUnknownToControlPlane(logger, directory.WorkerId);
                    return;
                }
            }
            catch (RpcException ex) when (!stoppingToken.IsCancellationRequested)
            {
                if (!failing)
                    LogHeartbeatFailed(logger, directory.WorkerId, ex.StatusCode, ex.Status.Detail);
                failing = true;
            }
        }
    }

    private async Task PrefetchAsync(IReadOnlyCollection<string> assigned, CancellationToken stoppingToken)
    {
        var missing = assigned.Where(sha256 => ModuleStore.IsHash(sha256) && !modules.Cache.Contains(sha256)).ToList();
        if (missing.Count == 0) return;
        LogFetchingMissing(logger, directory.WorkerId, missing.Count);
        try
        {
            await Parallel.ForEachAsync(missing, new ParallelOptions { MaxDegreeOfParallelism = _options.PrefetchParallelism, CancellationToken = stoppingToken }, async (sha256, cancellationToken) =>
            {
                try
                {
                    await modules.GetAsync(sha256, cancellationToken);
                }
                catch (ModuleUnavailableException ex)
                {
                    LogAssignedUnavailable(logger, sha256, ex.Message);
                }
                catch (InvalidModuleException ex)
                {
                    LogAssignedInvalid(logger, sha256, ex.Message);
                }
                catch (CompilerUnavailableException ex)
                {
                    LogAssignedNotCompiledNow(logger, sha256, ex.Message);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogAssignedFetchFailed(logger, sha256, ex);
                }
            });
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Host shutdown.
        }
    }

    private async Task WaitUntilServingAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var registration = lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        await started.Task.WaitAsync(stoppingToken);
    }

    private string AdvertiseUrl()
    {
        if (!string.IsNullOrWhiteSpace(_options.WorkerAdvertiseUrl)) return _options.WorkerAdvertiseUrl.TrimEnd('/');
        if (listener.IsAny) return $"http://{Environment.MachineName}:{listener.Port}";
        return listener.Uri.ToString().TrimEnd('/');
    }

    private ResiliencePipeline BuildRetryPipeline() =>
        new ResiliencePipelineBuilder { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<RpcException>(),
                MaxRetryAttempts = int.MaxValue,
                Delay = _options.RegistrationRetryDelay,
                MaxDelay = _options.RegistrationRetryMaxDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                OnRetry = args =>
                {
                    if (args.AttemptNumber == 0 || args.AttemptNumber % 10 == 0)
                    {
                        var status = args.Outcome.Exception is RpcException rpc ? $"{rpc.StatusCode} {rpc.Status.Detail}" : args.Outcome.Exception?.Message;
                        LogRegistrationRetry(logger, directory.WorkerId, _options.ControlPlaneUrl, args.AttemptNumber + 1, status, args.RetryDelay);
                    }

                    return ValueTask.CompletedTask;
                },
            })
            .Build();

    [LoggerMessage(Level = LogLevel.Information, Message = "Worker {WorkerId} holds {Count} compiled modules in {CacheDir}")]
    private static partial void LogPreloaded(ILogger logger, string workerId, int count, string cacheDir);

    [LoggerMessage(Level = LogLevel.Error, Message = "Loading the artifact cache {CacheDir} failed")]
    private static partial void LogPreloadFailed(ILogger logger, string cacheDir, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Registration of worker {WorkerId} failed unexpectedly; starting over")]
    private static partial void LogRegistrationCrashed(ILogger logger, string workerId, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Worker {WorkerId} registered at {ControlPlane} as {AdvertiseUrl} with {Modules} modules; {Assigned} assigned")]
    private static partial void LogRegistered(ILogger logger, string workerId, string controlPlane, string advertiseUrl, int modules, int assigned);

    [LoggerMessage(Level = LogLevel.Information, Message = "Heartbeats of worker {WorkerId} reach the control plane again")]
    private static partial void LogHeartbeatsBack(ILogger logger, string workerId);

    [LoggerMessage(Level = LogLevel.Information, Message = "The control plane does not know worker {WorkerId}; registering again")]
    private static partial void LogUnknownToControlPlane(ILogger logger, string workerId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Heartbeat of worker {WorkerId} failed: {Status} {Detail}")]
    private static partial void LogHeartbeatFailed(ILogger logger, string workerId, StatusCode status, string detail);

    [LoggerMessage(Level = LogLevel.Information, Message = "Worker {WorkerId} fetches {Count} assigned modules it lacks")]
    private static partial void LogFetchingMissing(ILogger logger, string workerId, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cannot fetch assigned module {Sha256}: {Reason}")]
    private static partial void LogAssignedUnavailable(ILogger logger, string sha256, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Assigned module {Sha256} does not compile: {Reason}")]
    private static partial void LogAssignedInvalid(ILogger logger, string sha256, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Assigned module {Sha256} could not be compiled now: {Reason}")]
    private static partial void LogAssignedNotCompiledNow(ILogger logger, string sha256, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Fetching assigned module {Sha256} failed")]
    private static partial void LogAssignedFetchFailed(ILogger logger, string sha256, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Worker {WorkerId} cannot register at {ControlPlane} (attempt {Attempt}): {Status}; retrying in {Delay}")]
    private static partial void LogRegistrationRetry(ILogger logger, string workerId, string controlPlane, int attempt, string? status, TimeSpan delay);
}
