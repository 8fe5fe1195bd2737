using System.Text;
using Platform.Runtime.Execution;
using Platform.Runtime.Validation;
using Wasmtime;
using Wasmtime.Components;

namespace Platform.Runtime.Components;

/// <summary>
/// One call of a component in a fresh store: fuel, epoch deadline and limits set before
/// instantiation, WASI 0.2 with the request's args and env (stdin empty, stdout and stderr as
/// logs), then the world's export. <c>err(message)</c> is FUNCTION_ERROR; a body over
/// <c>maxOutputBytes</c> is OUTPUT_LIMIT.
/// </summary>
internal static class ComponentInvocation
{
    /// <summary>
    /// Core instances, tables and memories one component may create. A JavaScript component has a
    /// handful of each; the per-memory limit is the invocation's memory limit, so these bound the
    /// total to <see cref="MaxMemories"/> times it.
    /// </summary>
    public const int MaxCoreInstances = 32;
    public const int MaxTables = 32;
    public const int MaxMemories = 4;

    public static Verdict Run(WasmEngine engine, CompiledModule compiled, InvocationRequest request, Store store)
    {
        var limits = request.Limits;
        var stdio = new ComponentStdio(limits.MaxLogBytes);
        store.SetWasiConfiguration(new WasiConfiguration()
            .WithArgs(request.Args)
            .WithEnvironmentVariables(request.Env.Select(pair => (pair.Key, pair.Value)))
            .WithStandardOutputCallback(stdio.Write)
            .WithStandardErrorCallback(stdio.Write));

        var world = compiled.World!.Value;
        var cgi = world == ComponentWorld.Http && HttpExchange.IsCgi(request.Env);
        ComponentValue argument;
        try
        {
            argument = world == ComponentWorld.Invoke ? ComponentValues.Bytes(request.Input.Span) : HttpExchange.Request(request);
        }
        catch (WasmtimeException ex)
        {
            return new Verdict(Outcome.Trap, ErrorText.FirstLines(ex.Message), default, stdio, Instantiated: false);
        }

        ComponentInstance? instance = null;
        try
        {
            instance = engine.ComponentLinker.Instantiate(store, compiled.Component!);
            var function = instance.GetFunction(world.ExportName())
                ?? throw new InvalidModuleException($"the component exports no `{world.ExportName()}` function");
            if (function.ParameterCount != 1 || !function.HasResult)
                throw new InvalidModuleException($"`{world.ExportName()}` does not have the type of the {world.ToName()} world of platform:function@1.0.0");
            var result = function.Call(argument);
            return world == ComponentWorld.Invoke ? InvokeResult(result, limits, stdio) : HttpResult(result, cgi, limits, stdio);
        }
        catch (WasmtimeException ex) when (instance is null && WasmtimeMessages.IsPoolExhausted(ex))
        {
            throw new SandboxOverloadedException("every sandbox slot is in use", ex);
        }
        catch (WasmtimeException ex)
        {
            var (outcome, message) = ComponentOutcomes.Classify(ex);
            return new Verdict(outcome, message, default, stdio, instance is not null);
        }
        catch (InvalidModuleException ex)
        {
            return new Verdict(Outcome.InvalidModule, ex.Message, default, stdio, instance is not null);
        }
    }

    private static Verdict InvokeResult(ComponentValue? result, InvocationLimits limits, ComponentStdio stdio)
    {
        if (result is null || result.Kind != ComponentValueKind.Result)
            return new Verdict(Outcome.InvalidModule, "`invoke` did not return result<list<u8>, string>", default, stdio, true);
        if (!result.IsOk)
        {
            var message = result.Payload is { Kind: ComponentValueKind.String } text ? text.AsString() : "the function returned err";
            return new Verdict(Outcome.FunctionError, message, default, stdio, true);
        }

        var body = ComponentValues.ToBytes(result.Payload);
        if (body is null)
            return new Verdict(Outcome.InvalidModule, "`invoke` did not return result<list<u8>, string>", default, stdio, true);
        return Body(body, limits, stdio);
    }

    private static Verdict HttpResult(ComponentValue? result, bool cgi, InvocationLimits limits, ComponentStdio stdio)
    {
        var (output, error) = HttpExchange.Response(result, cgi);
        return output is null ? new Verdict(Outcome.Trap, error, default, stdio, true) : Body(output, limits, stdio);
    }

    private static Verdict Body(byte[] body, InvocationLimits limits, ComponentStdio stdio) =>
        body.Length > limits.MaxOutputBytes
            ? new Verdict(Outcome.OutputLimit, $"the function returned {body.Length} bytes; the output limit is {limits.MaxOutputBytes}", default, stdio, true)
            : new Verdict(Outcome.Ok, null, body, stdio, true);

    internal sealed record Verdict(Outcome Outcome, string? Message, ReadOnlyMemory<byte> Output, ComponentStdio Stdio, bool Instantiated);
}

/// <summary>How a component's failure maps onto the outcomes: Wasmtime reports fuel and epoch on components as plain errors, not trap codes.</summary>
internal static class ComponentOutcomes
{
    public static (Outcome Outcome, string Message) Classify(WasmtimeException failure) => failure switch
    {
        TrapException { Type: TrapCode.OutOfFuel } => (Outcome.OutOfFuel, "the function ran out of fuel"),
        TrapException { Type: TrapCode.Interrupt } => (Outcome.Timeout, "the function exceeded its time limit"),
        TrapException { Type: TrapCode.StackOverflow } => (Outcome.Trap, "wasm trap: call stack exhausted (stack overflow)"),
        _ when WasmtimeMessages.IsOutOfFuel(failure) => (Outcome.OutOfFuel, "the function ran out of fuel"),
        _ when WasmtimeMessages.IsInterrupt(failure) => (Outcome.Timeout, "the function exceeded its time limit"),
        _ when WasmtimeMessages.IsMemoryLimitAtInstantiation(failure) =>
            (Outcome.MemoryLimit, $"the component's initial memory exceeds the limit: {ErrorText.FirstLines(failure.Message)}"),
        _ when WasmtimeMessages.IsUnknownImport(failure) => (Outcome.InvalidModule, ErrorText.FirstLines(failure.Message)),
        _ => (Outcome.Trap, ErrorText.FirstLines(failure.Message)),
    };
}
