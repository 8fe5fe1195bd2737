using System.Diagnostics;

namespace Platform.Runtime;

/// <summary>
/// The runtime's tracing: one <c>sandbox.execute</c> span per <see cref="FunctionExecutor.Invoke"/>
/// from the <see cref="ActivitySourceName"/> source, a child of whatever activity is current on
/// the calling thread. The runtime has no metrics of its own: its host (the worker) records them
/// around its calls and through <see cref="IArtifactCacheObserver"/>.
/// </summary>
public static class RuntimeTelemetry
{
    /// <summary>The <see cref="ActivitySource"/> name to subscribe to (<c>AddSource</c>).</summary>
    public const string ActivitySourceName = "Platform.Runtime";

    /// <summary>The span around one sandbox run.</summary>
    public const string ExecuteActivityName = "sandbox.execute";

    /// <summary>The span event carrying the first <see cref="MaxLogEventBytes"/> of the function's stderr.</summary>
    public const string LogsEventName = "function.logs";

    /// <summary>How much of stderr the <see cref="LogsEventName"/> event carries.</summary>
    public const int MaxLogEventBytes = 4 * 1024;

    /// <summary>Span attribute names shared by the platform's components.</summary>
    public static class Attributes
    {
        public const string Tenant = "platform.tenant";
        public const string Function = "platform.function";
        public const string Version = "platform.function.version";
        public const string InvocationId = "platform.invocation.id";
        public const string Outcome = "platform.outcome";
        public const string FuelConsumed = "platform.fuel.consumed";
        public const string FuelLimit = "platform.fuel.limit";
        public const string WorkerId = "platform.worker.id";
        public const string ModuleSha256 = "platform.module.sha256";
        public const string ExitCode = "platform.exit_code";
        public const string Logs = "platform.logs";
        public const string LogsTruncated = "platform.logs.truncated";
    }

    internal static ActivitySource Source { get; } = new(ActivitySourceName, typeof(RuntimeTelemetry).Assembly.GetName().Version?.ToString());
}
