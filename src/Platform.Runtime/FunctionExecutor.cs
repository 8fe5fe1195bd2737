using System.Diagnostics;
using Platform.Runtime.Components;
using Platform.Runtime.Execution;
using Platform.Runtime.Wasi;
using Wasmtime;

namespace Platform.Runtime;

/// <summary>
/// Runs one invocation in a fresh sandbox: a new <see cref="Store"/> whose fuel, epoch deadline
/// and memory/table/instance limits are set before instantiation (start functions run there).
/// Both ABIs: a preview-1 command module, or a component (<see cref="ComponentInvocation"/>).
/// Thread-safe: invocations share only the engine, linker and compiled module.
/// </summary>
public sealed class FunctionExecutor(WasmEngine engine)
{
    /// <summary>
    /// Runs to completion on the calling thread; the limits bound how long that is. Throws
    /// <see cref="SandboxOverloadedException"/> when the pooling allocator has no free slot.
    /// </summary>
    public InvocationResult Invoke(CompiledModule module, InvocationRequest request)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(request);
        var limits = request.Limits;
        limits.Validate();

        using var activity = StartActivity(module, request);
        var started = Stopwatch.GetTimestamp();
        InvocationResult result;
        if (!SandboxPool.Admits(engine.Options, limits))
        {
            result = MemoryAbovePool(limits);
        }
        else
        {
            var slots = engine.Slots;
            if (slots is not null && !slots.TryTake())
                throw new SandboxOverloadedException($"every sandbox slot is in use ({engine.Options.PoolingMaxInstances}, Platform:Runtime:PoolingMaxInstances)");
            try
            {
                result = module.Kind == FunctionKind.Component ? InvokeComponent(module, request) : InvokeModule(module, request);
            }
            finally
            {
                slots?.Release();
            }
        }

        result = result with { Duration = Stopwatch.GetElapsedTime(started) };
        if (activity is not null) Describe(activity, result);
        return result;
    }

    private InvocationResult MemoryAbovePool(InvocationLimits limits) => new()
    {
        Outcome = Outcome.MemoryLimit,
        Message = $"the function's memory limit ({limits.MemoryMb} MiB) is above the largest sandbox memory of this worker "
            + $"({engine.Options.PoolingMaxMemoryMb} MiB, Platform:Runtime:PoolingMaxMemoryMb); it was not run",
    };

    private InvocationResult InvokeComponent(CompiledModule component, InvocationRequest request)
    {
        var limits = request.Limits;
        using var store = SandboxStore.CreateForComponent(engine, limits, ComponentInvocation.MaxCoreInstances, ComponentInvocation.MaxTables, ComponentInvocation.MaxMemories);

        var verdict = ComponentInvocation.Run(engine, component, request, store);
        return new InvocationResult
        {
            Outcome = verdict.Outcome,
            Message = verdict.Message,
            ExitCode = verdict.Outcome == Outcome.Ok ? 0 : null,
            Output = verdict.Output,
            Logs = verdict.Stdio.Logs,
            LogsTruncated = verdict.Stdio.Truncated,
            FuelConsumed = limits.Fuel - (long)store.Fuel,
        };
    }

    private InvocationResult InvokeModule(CompiledModule module, InvocationRequest request)
    {
        var limits = request.Limits;
        using var context = new WasiContext(request, engine.Time);
        using var store = SandboxStore.Create(engine, context, limits);

        Instance? instance = null;
        Exception? failure = null;
        try
        {
            instance = engine.Linker.Instantiate(store, module.Module!);
            var start = instance.GetAction("_start")
                ?? throw new InvalidModuleException("the module exports no _start function");
            start();
        }
        catch (WasmtimeException ex) when (instance is null && WasmtimeMessages.IsPoolExhausted(ex))
        {
            throw new SandboxOverloadedException("every sandbox slot is in use", ex);
        }
        catch (WasmtimeException ex)
        {
            failure = ex;
        }
        catch (InvalidModuleException ex)
        {
            failure = ex;
        }

        var fuelConsumed = limits.Fuel - (long)store.Fuel;
        // Only a failure needs the memory's size: a successful invocation skips the export lookup.
        var nearLimit = failure is not null && SandboxStore.MemoryNearLimit(instance?.GetMemory("memory"), limits);
        var verdict = OutcomeClassifier.Classify(failure, context, nearLimit);
        return new InvocationResult
        {
            Outcome = verdict.Outcome,
            Message = verdict.Message,
            ExitCode = verdict.Outcome == Outcome.Ok ? 0 : context.ExitCode,
            Output = context.Output,
            Logs = context.Logs,
            LogsTruncated = context.LogsTruncated,
            FuelConsumed = fuelConsumed,
            Recording = context.Tape.Recording,
        };
    }

    private static Activity? StartActivity(CompiledModule module, InvocationRequest request)
    {
        var source = RuntimeTelemetry.Source;
        if (!source.HasListeners()) return null;
        var activity = source.StartActivity(RuntimeTelemetry.ExecuteActivityName, ActivityKind.Internal);
        if (activity is null) return null;
        activity.SetTag(RuntimeTelemetry.Attributes.ModuleSha256, module.Sha256);
        activity.SetTag(RuntimeTelemetry.Attributes.FuelLimit, request.Limits.Fuel);
        foreach (var (key, value) in request.ActivityTags)
            activity.SetTag(key, value);
        return activity;
    }

    /// <summary>Outcome, fuel and exit code as attributes; the first 4 KiB of stderr as an event when the span is recorded.</summary>
    private static void Describe(Activity activity, InvocationResult result)
    {
        activity.SetTag(RuntimeTelemetry.Attributes.Outcome, result.Outcome.ToCode());
        activity.SetTag(RuntimeTelemetry.Attributes.FuelConsumed, result.FuelConsumed);
        if (result.ExitCode is { } exitCode) activity.SetTag(RuntimeTelemetry.Attributes.ExitCode, exitCode);
        if (result.Outcome != Outcome.Ok) activity.SetStatus(ActivityStatusCode.Error, result.Message ?? result.Outcome.ToCode());
        if (!activity.IsAllDataRequested || result.Logs.IsEmpty) return;

        var logs = result.Logs.Span;
        var shown = logs.Length <= RuntimeTelemetry.MaxLogEventBytes ? logs : logs[..Utf8Boundary(logs, RuntimeTelemetry.MaxLogEventBytes)];
        activity.AddEvent(new ActivityEvent(RuntimeTelemetry.LogsEventName, tags: new ActivityTagsCollection
        {
            [RuntimeTelemetry.Attributes.Logs] = System.Text.Encoding.UTF8.GetString(shown),
            [RuntimeTelemetry.Attributes.LogsTruncated] = result.LogsTruncated || shown.Length < logs.Length,
        }));
    }

    /// <summary>The largest length at most <paramref name="max"/> that does not cut a UTF-8 sequence.</summary>
    private static int Utf8Boundary(ReadOnlySpan<byte> bytes, int max)
    {
        var length = max;
        while (length > 0 && (bytes[length] & 0xC0) == 0x80) length--;
        return length;
    }
}
