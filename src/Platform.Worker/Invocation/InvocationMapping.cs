using System.Globalization;
using Google.Protobuf;
using Platform.Contracts.V1;
using Platform.Hosting.Wire;
using Platform.Runtime;
using Platform.Worker.Grpc;
using RuntimeLimits = Platform.Runtime.InvocationLimits;
using WireLimits = Platform.Contracts.V1.InvocationLimits;

namespace Platform.Worker.Invocation;

/// <summary>From the wire request to the sandbox's request, and from its result back to the wire.</summary>
internal static class InvocationMapping
{
    public const string TenantVariable = "PLATFORM_TENANT";
    public const string FunctionVariable = "PLATFORM_FUNCTION";
    public const string VersionVariable = "PLATFORM_VERSION";
    public const string InvocationIdVariable = "PLATFORM_INVOCATION_ID";

    private static readonly HashSet<string> Reserved = new(StringComparer.Ordinal)
    {
        TenantVariable, FunctionVariable, VersionVariable, InvocationIdVariable,
    };

    /// <summary>
    /// The wire limits; a zero (unset) field takes the platform default, a negative one is refused.
    /// The timeout is cut to what the call's deadline leaves, so a sandbox never outlives its caller.
    /// </summary>
    public static RuntimeLimits Limits(WireLimits? wire, TimeSpan? untilDeadline)
    {
        var defaults = RuntimeLimits.Default;
        if (wire is null) return Clamp(defaults, untilDeadline);
        if (wire.Fuel < 0) throw WorkerErrors.BadArgument("limits.fuel", "fuel must not be negative");
        if (wire.MemoryMb < 0) throw WorkerErrors.BadArgument("limits.memory_mb", "memory_mb must not be negative");
        if (wire.TimeoutMs < 0) throw WorkerErrors.BadArgument("limits.timeout_ms", "timeout_ms must not be negative");
        if (wire.MaxOutputBytes < 0) throw WorkerErrors.BadArgument("limits.max_output_bytes", "max_output_bytes must not be negative");
        if (wire.MaxLogBytes < 0) throw WorkerErrors.BadArgument("limits.max_log_bytes", "max_log_bytes must not be negative");
        if (wire.ScratchMaxBytes < 0) throw WorkerErrors.BadArgument("limits.scratch_max_bytes", "scratch_max_bytes must not be negative");
        var limits = new RuntimeLimits
        {
            Fuel = wire.Fuel > 0 ? wire.Fuel : defaults.Fuel,
            MemoryMb = wire.MemoryMb > 0 ? wire.MemoryMb : defaults.MemoryMb,
            TimeoutMs = wire.TimeoutMs > 0 ? wire.TimeoutMs : defaults.TimeoutMs,
            MaxOutputBytes = wire.MaxOutputBytes > 0 ? wire.MaxOutputBytes : defaults.MaxOutputBytes,
            MaxLogBytes = wire.MaxLogBytes > 0 ? wire.MaxLogBytes : defaults.MaxLogBytes,
            ScratchMaxBytes = wire.ScratchMaxBytes,
        };
        return Clamp(limits, untilDeadline);
    }

    /// <summary>argv = [function, args...]; env = the function's variables, then the PLATFORM_* ones, which the function's cannot replace.</summary>
    public static InvocationRequest Request(WorkerInvokeRequest wire, string invocationId, RuntimeLimits limits)
    {
        var args = new List<string>(wire.Args.Count + 1) { wire.Function };
        args.AddRange(wire.Args);

        var env = new List<KeyValuePair<string, string>>(wire.Env.Count + Reserved.Count);
        foreach (var (name, value) in wire.Env)
        {
            if (name.Length == 0 || name.Contains('=', StringComparison.Ordinal) || name.Contains('\0', StringComparison.Ordinal) || value.Contains('\0', StringComparison.Ordinal))
                throw WorkerErrors.BadArgument("env", $"'{name}' is not a valid environment variable");
            if (!Reserved.Contains(name))
                env.Add(KeyValuePair.Create(name, value));
        }

        env.Add(KeyValuePair.Create(TenantVariable, wire.Tenant));
        env.Add(KeyValuePair.Create(FunctionVariable, wire.Function));
        env.Add(KeyValuePair.Create(VersionVariable, wire.Version.ToString(CultureInfo.InvariantCulture)));
        env.Add(KeyValuePair.Create(InvocationIdVariable, invocationId));

        return new InvocationRequest
        {
            Input = wire.Input.Memory,
            Args = args,
            Env = env,
            Limits = limits,
            Record = wire.Record,
        };
    }

    public static WorkerInvokeResponse Response(InvocationResult result, InvocationRequest request, string workerId)
    {
        var response = new WorkerInvokeResponse
        {
            Outcome = result.Outcome.ToWire(),
            // The result's buffers belong to this invocation alone: no copy.
            Output = UnsafeByteOperations.UnsafeWrap(result.Output),
            Logs = UnsafeByteOperations.UnsafeWrap(result.Logs),
            LogsTruncated = result.LogsTruncated,
            Message = result.Message ?? string.Empty,
            FuelConsumed = result.FuelConsumed,
            DurationUs = result.Duration.Ticks / TimeSpan.TicksPerMicrosecond,
            WorkerId = workerId,
        };
        if (result.ExitCode is { } exitCode)
            response.ExitCode = exitCode;
        if (result.Recording is { } recording)
            response.Recording = Recording(recording, request);
        return response;
    }

    private static HostRecording Recording(Runtime.Replay.HostRecording recording, InvocationRequest request) => new()
    {
        Clocks = { recording.Clocks },
        Random = UnsafeByteOperations.UnsafeWrap(recording.Random),
        Args = { request.Args },
        Env = { request.Env.Select(pair => $"{pair.Key}={pair.Value}") },
        Limits = new WireLimits
        {
            Fuel = request.Limits.Fuel,
            MemoryMb = request.Limits.MemoryMb,
            TimeoutMs = request.Limits.TimeoutMs,
            MaxOutputBytes = request.Limits.MaxOutputBytes,
            MaxLogBytes = request.Limits.MaxLogBytes,
        },
    };

    public static WorkerInvokeResponse InvalidModule(string message, string workerId) => new()
    {
        Outcome = InvocationOutcome.InvalidModule,
        Message = message,
        WorkerId = workerId,
    };

    private static RuntimeLimits Clamp(RuntimeLimits limits, TimeSpan? untilDeadline)
    {
        if (untilDeadline is not { } remaining || remaining.TotalMilliseconds >= limits.TimeoutMs) return limits;
        return limits with { TimeoutMs = Math.Max(1, (int)remaining.TotalMilliseconds) };
    }
}
