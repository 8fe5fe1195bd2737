using System.Diagnostics;
using System.Security.Cryptography;
using Google.Protobuf;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Platform.Contracts.V1;
using Platform.Runtime;
using Platform.Runtime.Compilation;

namespace Platform.Worker.WarmUp;

/// <summary>
/// Runs one invocation of <see cref="WarmUpModule"/> through the worker's own gRPC listener before
/// the worker registers. A fresh process pays for its first call everything a warm one does not
/// (JIT of Kestrel's HTTP/2, the gRPC pipeline, the invoke path and the WASI host, the first
/// sandbox thread, Wasmtime's first instantiation): measured at 0.1–0.5 s, against about 1 ms
/// warm. Paid here, no tenant's first call after a restart waits for it. The invocation is the
/// worker's own: its module is never in the artifact cache, and <see cref="Resolve"/> names it
/// only while the warm-up runs, so afterwards its hash is an unknown module like any other.
/// </summary>
internal sealed partial class InvokePathWarmUp(
    WarmUpModule module,
    WasmEngine engine,
    WorkerListener listener,
    IOptions<WorkerOptions> options,
    TimeProvider time,
    ILogger<InvokePathWarmUp> logger)
{
    /// <summary>
    /// The longest the warm-up may hold registration back. A cold process on a busy two-core
    /// machine needed up to 0.6 s for its first call; a warm-up that hangs must not keep the
    /// worker out of placement for long.
    /// </summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private static readonly Platform.Contracts.V1.InvocationLimits Limits = new()
    {
        Fuel = 10_000_000,
        MemoryMb = 1,
        TimeoutMs = 1_000,
        MaxOutputBytes = 4096,
        MaxLogBytes = 4096,
    };

    private volatile CompiledModule? _running;

    /// <summary>The warm-up's module when <paramref name="sha256"/> names it while the warm-up runs; otherwise null.</summary>
    public CompiledModule? Resolve(string sha256) => _running is { } running && running.Sha256 == sha256 ? running : null;

    /// <summary>
    /// Runs the warm-up invocation; false when it failed or timed out (logged as a warning: the
    /// worker registers anyway and its first call pays the cost instead).
    /// </summary>
    public async Task<bool> RunAsync(CancellationToken stoppingToken)
    {
        var started = Stopwatch.GetTimestamp();
        using var timeout = new CancellationTokenSource(Timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, timeout.Token);
        try
        {
            var wasm = Wasmtime.Module.ConvertText(module.Text);
            var sha256 = Convert.ToHexStringLower(SHA256.HashData(wasm));
            var artifact = await new InProcessCompiler(engine).CompileAsync(wasm, partition: null, linked.Token);
            _running = CompiledModule.Load(engine, sha256, artifact);
            var response = await InvokeOwnListenerAsync(sha256, linked.Token);
            var output = response.Output.ToStringUtf8();
            if (response.Outcome != InvocationOutcome.Ok || output != module.ExpectedOutput)
            {
                LogWrongAnswer(logger, response.Outcome, response.Message, output.Length);
                return false;
            }

            LogWarmedUp(logger, Stopwatch.GetElapsedTime(started).TotalMilliseconds, response.DurationUs / 1000.0);
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
        {
            if (timeout.IsCancellationRequested)
                LogTimedOut(logger, Timeout);
            else
                LogFailed(logger, ex);
            return false;
        }
        finally
        {
            _running = null;
        }
    }

    private async Task<WorkerInvokeResponse> InvokeOwnListenerAsync(string sha256, CancellationToken cancellationToken)
    {
        using var channel = GrpcChannel.ForAddress(OwnAddress(), new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler { ConnectTimeout = Timeout },
            DisposeHttpClient = true,
        });
        var token = options.Value.ClusterToken ?? string.Empty;
        var client = new WorkerService.WorkerServiceClient(channel.Intercept(metadata =>
        {
            metadata.Add(ClusterMetadata.TokenHeader, token);
            return metadata;
        }));
        var request = new WorkerInvokeRequest
        {
            InvocationId = "warm-up-" + Guid.NewGuid().ToString("N"),
            Function = "warm-up",
            ModuleSha256 = sha256,
            Input = ByteString.CopyFromUtf8(module.Input),
            Limits = Limits,
        };
        return await client.InvokeAsync(request, deadline: time.GetUtcNow().UtcDateTime + Timeout, cancellationToken: cancellationToken);
    }

    /// <summary>The listener's address, on loopback when it listens on every address.</summary>
    private Uri OwnAddress() =>
        listener.IsAny ? new UriBuilder(listener.Uri) { Host = "127.0.0.1" }.Uri : listener.Uri;

    [LoggerMessage(Level = LogLevel.Information, Message = "Warmed up the invoke path in {ElapsedMs:F1} ms (sandbox {SandboxMs:F3} ms)")]
    private static partial void LogWarmedUp(ILogger logger, double elapsedMs, double sandboxMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The warm-up invocation answered {Outcome} ({Message}, {OutputBytes} bytes of output); registering anyway")]
    private static partial void LogWrongAnswer(ILogger logger, InvocationOutcome outcome, string message, int outputBytes);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The warm-up invocation did not finish within {Timeout}; registering anyway")]
    private static partial void LogTimedOut(ILogger logger, TimeSpan timeout);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The warm-up invocation failed; registering anyway")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
