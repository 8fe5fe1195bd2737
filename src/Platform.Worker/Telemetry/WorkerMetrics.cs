using System.Diagnostics.Metrics;
using Platform.Contracts.V1;
using Platform.Hosting.Telemetry;
using Platform.Runtime;
using Platform.Worker.Hosting;
using Platform.Worker.Invocation;

namespace Platform.Worker.Telemetry;

/// <summary>
/// The worker's instruments (meter <c>Platform.Worker</c>), every one labelled with the worker id
/// so that several workers in one process (dev mode) stay apart. The artifact cache reports its
/// lookups and compiles here (<see cref="IArtifactCacheObserver"/>).
/// <list type="table">
/// <item><term><c>platform.module.compile.duration</c></term><description>histogram, s: one compile of a module (push, fetch or first run)</description></item>
/// <item><term><c>platform.cache.lookups</c></term><description>counter {worker, result = memory|disk|miss}</description></item>
/// <item><term><c>platform.artifact.loads</c></term><description>counter {worker, result = loaded|rejected}: signed artifacts shipped by the control plane; rejected ones were compiled here instead</description></item>
/// <item><term><c>platform.worker.invocations.in_flight</c></term><description>gauge: invocations executing now</description></item>
/// <item><term><c>platform.worker.invocations</c></term><description>counter {worker, outcome}: outcomes in lower case, plus overloaded and unavailable (the module could not be had)</description></item>
/// </list>
/// </summary>
internal sealed class WorkerMetrics : IArtifactCacheObserver
{
    public const string CompileDurationName = "platform.module.compile.duration";
    public const string CacheLookupsName = "platform.cache.lookups";
    public const string ArtifactLoadsName = "platform.artifact.loads";
    public const string InFlightName = "platform.worker.invocations.in_flight";
    public const string QueuedName = "platform.worker.invocations.queued";
    public const string InvocationsName = "platform.worker.invocations";

    private static readonly double[] CompileBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

    private readonly KeyValuePair<string, object?> _worker;
    private readonly Histogram<double> _compileDuration;
    private readonly Counter<long> _cacheLookups;
    private readonly Counter<long> _invocations;
    private readonly Counter<long> _artifactLoads;

    public WorkerMetrics(IMeterFactory meterFactory, WorkerDirectory directory, InvocationGate gate)
    {
        _worker = new KeyValuePair<string, object?>("worker", directory.WorkerId);
        var meter = meterFactory.Create(WorkerTelemetry.MeterName);
        _compileDuration = meter.CreateHistogram(
            CompileDurationName,
            unit: "s",
            description: "Time to validate and compile one module ahead of time",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = CompileBuckets });
        _cacheLookups = meter.CreateCounter<long>(CacheLookupsName, unit: "{lookup}", description: "Artifact cache lookups by where they were answered");
        _artifactLoads = meter.CreateCounter<long>(ArtifactLoadsName, unit: "{artifact}", description: "Signed artifacts from the control plane, loaded or rejected (then compiled here)");
        _invocations = meter.CreateCounter<long>(InvocationsName, unit: "{invocation}", description: "Invocations this worker answered, by outcome");
        var worker = _worker;
        meter.CreateObservableGauge(InFlightName, () => new Measurement<int>(gate.InFlight, worker), unit: "{invocation}", description: "Invocations executing on this worker now");
        meter.CreateObservableGauge(QueuedName, () => new Measurement<int>(gate.Queued, worker), unit: "{invocation}", description: "Invocations waiting for a free slot on this worker now (at most Platform:QueueTimeout each)");
    }

    public void Lookup(CacheLookupResult result) =>
        _cacheLookups.Add(1, _worker, new KeyValuePair<string, object?>("result", result switch
        {
            CacheLookupResult.Memory => "memory",
            CacheLookupResult.Disk => "disk",
            _ => "miss",
        }));

    public void Compiled(string sha256, TimeSpan duration) => _compileDuration.Record(duration.TotalSeconds, _worker);

    public void ArtifactReceived(bool loaded) =>
        _artifactLoads.Add(1, _worker, new KeyValuePair<string, object?>("result", loaded ? "loaded" : "rejected"));

    /// <summary>One answered invocation, labelled with its outcome's code in lower case.</summary>
    public void Invocation(Outcome outcome) => CountInvocation(outcome.ToLabel());

    /// <summary>One refused invocation: only refusals a caller may retry elsewhere count (a bad request is not an invocation).</summary>
    public void Refused(RefusalReason reason)
    {
        var label = reason switch
        {
            RefusalReason.Overloaded => "overloaded",
            RefusalReason.ModuleUnavailable => "unavailable",
            _ => null,
        };
        if (label is not null) CountInvocation(label);
    }

    private void CountInvocation(string outcome) =>
        _invocations.Add(1, _worker, new KeyValuePair<string, object?>("outcome", outcome));
}
