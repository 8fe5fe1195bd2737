using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;
using Platform.ControlPlane.Cluster;
using Platform.ControlPlane.Database;
using Platform.ControlPlane.Errors;
using Platform.ControlPlane.Invocation;
using Platform.ControlPlane.Usage;
using Platform.Hosting.Telemetry;

namespace Platform.ControlPlane.Telemetry;

/// <summary>
/// The control plane's instruments (meter <c>Platform.ControlPlane</c>). Invocations are counted
/// once they reach a decision: the function ran (any outcome), or the platform refused it after
/// resolving it (OVERLOADED, UNAVAILABLE, PAYLOAD_TOO_LARGE, RATE_LIMITED, CONCURRENCY_LIMITED).
/// Unknown functions and failed authentication are not invocations.
/// <list type="table">
/// <item><term><c>platform.invocations</c></term><description>counter {tenant, function, trigger, outcome}</description></item>
/// <item><term><c>platform.invocation.duration</c></term><description>histogram, s {tenant, function, trigger, outcome}: end to end in the control plane</description></item>
/// <item><term><c>platform.invocation.fuel</c></term><description>histogram, {fuel} {tenant, function}: fuel consumed by invocations that ran</description></item>
/// <item><term><c>platform.rejections</c></term><description>counter {tenant, reason}: limit hits and platform refusals</description></item>
/// <item><term><c>platform.workers.live</c></term><description>gauge: workers in the live set</description></item>
/// <item><term><c>platform.pushes</c></term><description>counter {result = ok|failed}: module pushes to one worker</description></item>
/// <item><term><c>platform.upload.compiles</c></term><description>counter: uploads the control plane compiled and accepted, one compile each (a worker's own compiles are counted by <c>platform.module.compile.duration</c>)</description></item>
/// <item><term><c>platform.usage.flush.lag</c></term><description>gauge, s: time since usage was last written to PostgreSQL</description></item>
/// </list>
/// </summary>
internal sealed class ControlPlaneMetrics
{
    public const string InvocationsName = "platform.invocations";
    public const string DurationName = "platform.invocation.duration";
    public const string FuelName = "platform.invocation.fuel";
    public const string RejectionsName = "platform.rejections";
    public const string LiveWorkersName = "platform.workers.live";
    public const string PushesName = "platform.pushes";
    public const string UploadCompilesName = "platform.upload.compiles";
    public const string UsageFlushLagName = "platform.usage.flush.lag";
    public const string DatabaseCircuitName = "platform.database.circuit.open";

    private static readonly double[] DurationBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
    private static readonly long[] FuelBuckets = [1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000, 10_000_000_000];

    private readonly bool _includeFunction;
    private readonly Counter<long> _invocations;
    private readonly Histogram<double> _duration;
    private readonly Histogram<long> _fuel;
    private readonly Counter<long> _rejections;
    private readonly Counter<long> _pushes;
    private readonly Counter<long> _uploadCompiles;

    public ControlPlaneMetrics(IMeterFactory meterFactory, ILiveWorkers workers, IOptions<ControlPlaneOptions> options, UsageAggregator usage, DatabaseCircuit database)
    {
        _includeFunction = options.Value.Telemetry.IncludeFunctionLabel;
        var meter = meterFactory.Create(ControlPlaneTelemetry.MeterName);
        _invocations = meter.CreateCounter<long>(InvocationsName, unit: "{invocation}", description: "Invocations that reached a decision, by tenant, function and outcome");
        _duration = meter.CreateHistogram(
            DurationName,
            unit: "s",
            description: "Invocation time in the control plane, from the request to the answer",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
        _fuel = meter.CreateHistogram(
            FuelName,
            unit: "{fuel}",
            description: "Fuel consumed by invocations that ran",
            advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = FuelBuckets });
        _rejections = meter.CreateCounter<long>(RejectionsName, unit: "{invocation}", description: "Invocations stopped by a limit or refused by the platform, by tenant and reason");
        _pushes = meter.CreateCounter<long>(PushesName, unit: "{push}", description: "Module pushes to one worker, by result");
        _uploadCompiles = meter.CreateCounter<long>(UploadCompilesName, unit: "{compile}", description: "Uploaded modules the control plane compiled and accepted");
        meter.CreateObservableGauge(LiveWorkersName, () => workers.Live.Count, unit: "{worker}", description: "Workers whose heartbeat is within the TTL");
        meter.CreateObservableGauge(UsageFlushLagName, () => usage.FlushLag.TotalSeconds, unit: "s", description: "Seconds since usage was last flushed to PostgreSQL (since start before the first flush)");
        meter.CreateObservableGauge(DatabaseCircuitName, () => database.IsOpen ? 1 : 0, description: "1 while database calls fail fast after failures (the circuit is open or testing), else 0");
    }

    /// <summary>The outcome label of a platform refusal, or null when the error is not an invocation's decision (not found, auth, bad input).</summary>
    public static string? Refusal(ErrorCode code) => code switch
    {
        ErrorCode.Overloaded => "overloaded",
        ErrorCode.Unavailable => "unavailable",
        ErrorCode.PayloadTooLarge => "payload_too_large",
        ErrorCode.RateLimited => "rate_limited",
        ErrorCode.ConcurrencyLimited => "concurrency_limited",
        _ => null,
    };

    /// <summary>The <c>trigger</c> label: <c>invoke</c> or <c>http</c>.</summary>
    public static string TriggerLabel(InvocationTrigger trigger) => trigger == InvocationTrigger.Http ? "http" : "invoke";

    /// <summary>An invocation the function ran (any outcome).</summary>
    public void Ran(string tenant, string function, InvocationTrigger trigger, InvocationReply reply, TimeSpan elapsed)
    {
        Record(tenant, function, trigger, reply.Outcome.ToLabel(), elapsed);
        _fuel.Record(reply.FuelConsumed, new("tenant", tenant), new("function", FunctionLabel(function)));
    }

    /// <summary>An invocation the platform refused (<paramref name="outcome"/> from <see cref="Refusal"/>).</summary>
    public void Refused(string tenant, string function, InvocationTrigger trigger, string outcome, TimeSpan elapsed) => Record(tenant, function, trigger, outcome, elapsed);

    public void UploadCompiled() => _uploadCompiles.Add(1);

    public void Pushed(bool ok) => _pushes.Add(1, new KeyValuePair<string, object?>("result", ok ? "ok" : "failed"));

    private void Record(string tenant, string function, InvocationTrigger trigger, string outcome, TimeSpan elapsed)
    {
        var tenantTag = new KeyValuePair<string, object?>("tenant", tenant);
        var functionTag = new KeyValuePair<string, object?>("function", FunctionLabel(function));
        var triggerTag = new KeyValuePair<string, object?>("trigger", TriggerLabel(trigger));
        var outcomeTag = new KeyValuePair<string, object?>("outcome", outcome);
        _invocations.Add(1, tenantTag, functionTag, triggerTag, outcomeTag);
        _duration.Record(elapsed.TotalSeconds, tenantTag, functionTag, triggerTag, outcomeTag);
        if (IsRejection(outcome))
            _rejections.Add(1, tenantTag, new KeyValuePair<string, object?>("reason", outcome));
    }

    /// <summary>Limit hits of a function and refusals of the platform; not payload_too_large (the caller's error) nor failures of the function's own code.</summary>
    private static bool IsRejection(string outcome) => outcome is
        "out_of_fuel" or "timeout" or "memory_limit" or "output_limit"
        or "rate_limited" or "concurrency_limited" or "overloaded" or "unavailable";

    private string FunctionLabel(string function) => _includeFunction ? function : string.Empty;
}
