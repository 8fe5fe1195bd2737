using System.Text;
using Platform.Runtime.Components;
using Platform.Testing;

namespace Platform.Runtime.Tests;

public sealed class ComponentTests : IDisposable
{
    private readonly TestSandbox _sandbox = new();

    public void Dispose() => _sandbox.Dispose();

    private InvocationResult Run(string wat, string input, InvocationLimits? limits = null, IReadOnlyList<KeyValuePair<string, string>>? env = null) =>
        _sandbox.Executor.Invoke(_sandbox.Compile(wat), new InvocationRequest
        {
            Input = Encoding.UTF8.GetBytes(input),
            Args = ["test-function"],
            Env = env ?? [],
            Limits = limits ?? InvocationLimits.Default,
        });

    [Fact]
    public void Validate_InvokeComponent_IsAComponentOfTheInvokeWorld()
    {
        var verdict = _sandbox.Validator.Validate(Encoding.UTF8.GetBytes(ComponentWat.Invoke), ModuleLimits.Default);

        Assert.True(verdict.IsValid, verdict.Error);
        Assert.Equal(FunctionKind.Component, verdict.Kind);
        Assert.Equal(ComponentWorld.Invoke, verdict.World);
    }

    [Fact]
    public void Validate_HttpComponent_IsAComponentOfTheHttpWorld()
    {
        var verdict = _sandbox.Validator.Validate(Encoding.UTF8.GetBytes(ComponentWat.Http), ModuleLimits.Default);

        Assert.True(verdict.IsValid, verdict.Error);
        Assert.Equal(ComponentWorld.Http, verdict.World);
    }

    [Theory]
    [InlineData("wasi:sockets/tcp@0.2.0")]
    [InlineData("wasi:sockets/ip-name-lookup@0.2.0")]
    [InlineData("wasi:http/outgoing-handler@0.2.0")]
    [InlineData("acme:evil/backdoor")]
    [InlineData("wasi:cli/stdout@0.3.0")]
    public void Validate_ForbiddenImport_IsRefusedNamingIt(string import)
    {
        var verdict = _sandbox.Validator.Validate(Encoding.UTF8.GetBytes(ComponentWat.Importing(import)), ModuleLimits.Default);

        Assert.False(verdict.IsValid);
        Assert.Contains($"import `{import}` is not allowed", verdict.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("wasi:cli/environment@0.2.3")]
    [InlineData("wasi:filesystem/preopens@0.2.12")]
    public void Validate_AllowedWasiImport_IsAccepted(string import)
    {
        var verdict = _sandbox.Validator.Validate(Encoding.UTF8.GetBytes(ComponentWat.Importing(import)), ModuleLimits.Default);

        Assert.True(verdict.IsValid, verdict.Error);
    }

    [Fact]
    public void Validate_ResourceTypeImport_IsRefusedNamingIt()
    {
        var verdict = _sandbox.Validator.Validate(Encoding.UTF8.GetBytes(ComponentWat.Invoke.Replace("(component\n", "(component\n  (import \"handle-table\" (type (sub resource)))\n", StringComparison.Ordinal)), ModuleLimits.Default);

        Assert.False(verdict.IsValid);
        Assert.Contains("import `handle-table` is not allowed", verdict.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_FunctionImportAtTheRoot_IsRefusedNamingIt()
    {
        var verdict = _sandbox.Validator.Validate(Encoding.UTF8.GetBytes(ComponentWat.Invoke.Replace("(component\n", "(component\n  (import \"host-call\" (func))\n", StringComparison.Ordinal)), ModuleLimits.Default);

        Assert.False(verdict.IsValid);
        Assert.Contains("import `host-call` is not allowed", verdict.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("run")]
    [InlineData("wasi:cli/run@0.2.0")]
    public void Validate_OtherExport_IsRefusedNamingIt(string name)
    {
        var verdict = _sandbox.Validator.Validate(Encoding.UTF8.GetBytes(ComponentWat.Exporting(name)), ModuleLimits.Default);

        Assert.False(verdict.IsValid);
        Assert.Contains($"`{name}`", verdict.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_TruncatedComponent_IsRefusedAsMalformed()
    {
        var binary = Wasmtime.Module.ConvertText(ComponentWat.Invoke);

        var verdict = _sandbox.Validator.Validate(binary[..(binary.Length / 2)], ModuleLimits.Default);

        Assert.False(verdict.IsValid);
        Assert.NotNull(verdict.Error);
    }

    [Fact]
    public void Validate_ComponentHeaderWithGarbage_IsRefused()
    {
        byte[] garbage = [0, (byte)'a', (byte)'s', (byte)'m', 0x0d, 0, 1, 0, 10, 0xff, 0xff, 0xff, 0xff, 0x0f, 1, 2];

        var verdict = _sandbox.Validator.Validate(garbage, ModuleLimits.Default);

        Assert.False(verdict.IsValid);
        Assert.StartsWith("malformed component", verdict.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Invoke_Echo_ReturnsTheInput()
    {
        var result = Run(ComponentWat.Invoke, "hello component");

        Assert.True(result.Outcome == Outcome.Ok, result.Message);
        Assert.Equal("hello component", Encoding.UTF8.GetString(result.Output.Span));
        Assert.True(result.FuelConsumed > 0);
    }

    [Fact]
    public void Invoke_Err_IsFunctionErrorWithTheMessage()
    {
        var result = Run(ComponentWat.Invoke, "r");

        Assert.Equal(Outcome.FunctionError, result.Outcome);
        Assert.Equal("refused", result.Message);
        Assert.True(result.Output.IsEmpty);
    }

    [Fact]
    public void Invoke_Trap_IsTrap()
    {
        var result = Run(ComponentWat.Invoke, "t");

        Assert.Equal(Outcome.Trap, result.Outcome);
        Assert.Contains("unreachable", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Invoke_LoopWithLittleFuel_IsOutOfFuel()
    {
        var result = Run(ComponentWat.Invoke, "l", InvocationLimits.Default with { Fuel = 1_000_000, TimeoutMs = 60_000 });

        Assert.Equal(Outcome.OutOfFuel, result.Outcome);
        Assert.Equal(1_000_000, result.FuelConsumed);
    }

    [Fact]
    public void Invoke_LoopWithShortDeadline_IsTimeout()
    {
        var result = Run(ComponentWat.Invoke, "l", InvocationLimits.Default with { Fuel = long.MaxValue / 2, TimeoutMs = 50 });

        Assert.Equal(Outcome.Timeout, result.Outcome);
    }

    [Fact]
    public void Invoke_BodyOverTheOutputLimit_IsOutputLimit()
    {
        var result = Run(ComponentWat.Invoke, "b", InvocationLimits.Default with { MaxOutputBytes = 1000 });

        Assert.Equal(Outcome.OutputLimit, result.Outcome);
        Assert.True(result.Output.IsEmpty);
    }

    [Fact]
    public void Invoke_InitialMemoryOverTheLimit_IsMemoryLimit()
    {
        var result = Run(ComponentWat.HugeMemory, "x", InvocationLimits.Default with { MemoryMb = 64 });

        Assert.Equal(Outcome.MemoryLimit, result.Outcome);
    }

    [Fact]
    public void Invoke_InputGrowsMemoryPastTheLimit_Traps()
    {
        // The argument is lowered through realloc; past the store's memory limit memory.grow fails and the copy traps.
        var result = Run(ComponentWat.Invoke, new string('x', 2 << 20), InvocationLimits.Default with { MemoryMb = 1 });

        Assert.NotEqual(Outcome.Ok, result.Outcome);
    }

    [Fact]
    public void Invoke_HttpByName_ReturnsTheBody()
    {
        var result = Run(ComponentWat.Http, "payload");

        Assert.True(result.Outcome == Outcome.Ok, result.Message);
        Assert.Equal("payload", Encoding.UTF8.GetString(result.Output.Span));
    }

    [Fact]
    public void Invoke_HttpWithCgiVariables_AnswersACgiResponse()
    {
        var env = new Dictionary<string, string>
        {
            ["GATEWAY_INTERFACE"] = "CGI/1.1",
            ["REQUEST_METHOD"] = "PUT",
            ["PATH_INFO"] = "/items/7",
            ["QUERY_STRING"] = "a=1",
            ["HTTP_X_TRACE"] = "abc",
        }.ToList();

        var result = Run(ComponentWat.Http, "body!", env: env);

        Assert.True(result.Outcome == Outcome.Ok, result.Message);
        Assert.Equal("Status: 202\r\nx-path: /items/7\r\n\r\nbody!", Encoding.UTF8.GetString(result.Output.Span));
    }

    [Fact]
    public void Invoke_ComponentFromArtifactOnDisk_RunsLikeTheFreshOne()
    {
        var compiled = _sandbox.Compile(ComponentWat.Invoke);
        using var other = new TestSandbox(_sandbox.Options);

        var reloaded = other.Cache.TryGet(compiled.Sha256);

        Assert.NotNull(reloaded);
        Assert.Equal(FunctionKind.Component, reloaded.Kind);
        Assert.Equal(ComponentWorld.Invoke, reloaded.World);
        var result = other.Run(reloaded, "again");
        Assert.Equal("again", Encoding.UTF8.GetString(result.Output.Span));
    }

    [Fact]
    public void Load_ModuleArtifact_IsAModule()
    {
        var compiled = _sandbox.Compile(Wat.Hello);

        Assert.Equal(FunctionKind.Module, compiled.Kind);
        Assert.Null(compiled.World);
    }
}
