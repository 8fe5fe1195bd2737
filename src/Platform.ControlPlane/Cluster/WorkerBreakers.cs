using System.Collections.Concurrent;
using Grpc.Core;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;

namespace Platform.ControlPlane.Cluster;

/// <summary>
/// A Polly circuit breaker per worker, fed by the invoke calls: failures of the worker (unreachable,
/// the connection failing or reset, a crash mid-call) count; answers of any kind do not, and
/// neither does a missed deadline: the deadline is the function's own timeout plus a margin, so a
/// tenant whose function or compile runs long would otherwise take a shared worker out of
/// placement for everyone. A worker that hangs misses its heartbeats and leaves placement that way. While a worker's breaker is open the router skips it (nothing is sent, so skipping never
/// runs an invocation twice); after <see cref="ClusterOptions.BreakerBreakDuration"/> one call
/// tries it again.
/// </summary>
internal sealed class WorkerBreakers(IOptions<ClusterOptions> options, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, Breaker> _breakers = new(StringComparer.Ordinal);

    /// <summary>
    /// True while the worker's breaker is open and its break has not ended: do not call it. Not
    /// Polly's reported state: that stays Open until a call is attempted after the break, and the
    /// router attempts none while it reads Open, so a recovered worker would never be tried again.
    /// </summary>
    public bool IsOpen(string workerId) =>
        _breakers.TryGetValue(workerId, out var breaker)
        && breaker.State.CircuitState == CircuitState.Open
        && time.GetUtcNow().UtcTicks < Interlocked.Read(ref breaker.OpenUntilTicks);

    /// <summary>Runs one call to the worker through its breaker; <see cref="BrokenCircuitException"/> when it is open (the call was not made).</summary>
    public ValueTask<T> ExecuteAsync<T>(string workerId, Func<CancellationToken, ValueTask<T>> call, CancellationToken cancellationToken) =>
        _breakers.GetOrAdd(workerId, _ => Create()).Pipeline.ExecuteAsync(static (call, token) => call(token), call, cancellationToken);

    /// <summary>A failure of the worker or its transport rather than an answer of the worker (a response, or an error with a rich status: a refusal or the token gate's) or a deadline the tenant's work used up.</summary>
    public static bool IsTransportFailure(RpcException ex) =>
        ex.StatusCode is StatusCode.Unavailable or StatusCode.Internal
        && ex.GetRpcStatus() is null;

    private Breaker Create()
    {
        var o = options.Value;
        var breaker = new Breaker();
        breaker.Pipeline = new ResiliencePipelineBuilder { TimeProvider = time }
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<RpcException>(IsTransportFailure),
                FailureRatio = o.BreakerFailureRatio,
                MinimumThroughput = o.BreakerMinimumThroughput,
                SamplingDuration = o.BreakerSamplingDuration,
                BreakDuration = o.BreakerBreakDuration,
                StateProvider = breaker.State,
                OnOpened = args =>
                {
                    Interlocked.Exchange(ref breaker.OpenUntilTicks, (time.GetUtcNow() + args.BreakDuration).UtcTicks);
                    return default;
                },
            })
            .Build();
        return breaker;
    }

    private sealed class Breaker
    {
        public long OpenUntilTicks;

        public ResiliencePipeline Pipeline { get; set; } = ResiliencePipeline.Empty;

        public CircuitBreakerStateProvider State { get; } = new();
    }
}
