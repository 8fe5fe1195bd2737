using System.Text;
using Platform.Runtime.Compilation;
using Platform.Runtime.Components;
using Platform.Testing;

namespace Platform.Runtime.Tests;

/// <summary>
/// JavaScript components built with componentize-js (tests/guests/js/). The compiled artifacts
/// are shared across runs through <see cref="JsGuests.ArtifactDirectory"/>: one compile per
/// component and engine fingerprint, not one per test.
/// </summary>
public sealed class JsComponentTests : IClassFixture<JsComponentTests.Fixture>
{
    private readonly Fixture _fixture;

    public JsComponentTests(Fixture fixture) => _fixture = fixture;

    private InvocationResult Run(CompiledModule component, string input, InvocationLimits? limits = null) =>
        _fixture.Executor.Invoke(component, new InvocationRequest
        {
            Input = Encoding.UTF8.GetBytes(input),
            Args = ["js-function"],
            Env = [KeyValuePair.Create("PLATFORM_FUNCTION", "js-function")],
            Limits = limits ?? InvocationLimits.Default,
        });

    [Fact]
    public void Validate_JsComponents_ImportOnlyWhatThePlatformLinks()
    {
        var invoke = ModuleValidator.Prepare(JsGuests.Bytes("echo", "invoke"), new ModuleLimits(32L << 20, ModuleLimits.DefaultMaxFunctions));
        var http = ModuleValidator.Prepare(JsGuests.Bytes("http", "http"), new ModuleLimits(32L << 20, ModuleLimits.DefaultMaxFunctions));

        Assert.True(invoke.IsValid, invoke.Error);
        Assert.Equal(ComponentWorld.Invoke, invoke.World);
        Assert.True(http.IsValid, http.Error);
        Assert.Equal(ComponentWorld.Http, http.World);
    }

    /// <summary>What an upload does: the default compile budget, scaled by the module's size, lets a JS component compile in a compiler process.</summary>
    [Fact]
    public async Task Validate_JsComponentUnderTheDefaultCompileBudget_Compiles()
    {
        using var engine = new WasmEngine(new RuntimeOptions { CacheDir = Path.Combine(Path.GetTempPath(), "platform-tests", Guid.NewGuid().ToString("N")) });
        using var compiler = new IsolatedCompiler(engine, new CompileBudget());
        var validator = new ModuleValidator(engine, compiler);

        var verdict = await validator.ValidateAsync(JsGuests.Bytes("echo", "invoke"), ModuleLimits.Default, "tenant", CancellationToken.None);

        Assert.True(verdict.IsValid, verdict.Error);
        Assert.Equal(FunctionKind.Component, verdict.Kind);
        Assert.Equal(1, compiler.ProcessesStarted);
        Assert.Equal(0, compiler.ProcessesKilled);
    }

    [Fact]
    public void Invoke_JsEcho_ReturnsTheInput()
    {
        var result = Run(_fixture.Echo, "hello from js");

        Assert.True(result.Outcome == Outcome.Ok, result.Message);
        Assert.Equal("hello from js", Encoding.UTF8.GetString(result.Output.Span));
    }

    [Fact]
    public void Invoke_JsThrowOfAnError_IsTrapWithTheErrorInTheLogs()
    {
        var result = Run(_fixture.Echo, "throw");

        // componentize-js turns a thrown value into err(value): a string (or {payload}) is an err, an Error object cannot be one.
        Assert.True(result.Outcome == Outcome.Trap, result.Message);
        Assert.Contains("expected a string", Encoding.UTF8.GetString(result.Logs.Span), StringComparison.Ordinal);
    }

    [Fact]
    public void Invoke_JsThrowOfAStringPayload_IsFunctionErrorWithThePayload()
    {
        var result = Run(_fixture.Echo, "err");

        Assert.Equal(Outcome.FunctionError, result.Outcome);
        Assert.Equal("refused by the guest", result.Message);
    }

    [Fact]
    public void Invoke_JsLoop_IsOutOfFuel()
    {
        var result = Run(_fixture.Echo, "loop", InvocationLimits.Default with { Fuel = 50_000_000, TimeoutMs = 60_000 });

        Assert.Equal(Outcome.OutOfFuel, result.Outcome);
    }

    [Fact]
    public void Invoke_JsLoop_IsTimeoutWhenTheDeadlineComesFirst()
    {
        var result = Run(_fixture.Echo, "loop", InvocationLimits.Default with { Fuel = long.MaxValue / 2, TimeoutMs = 200 });

        Assert.Equal(Outcome.Timeout, result.Outcome);
    }

    [Fact]
    public void Invoke_JsConsole_GoesToTheLogs()
    {
        var result = Run(_fixture.Echo, "log");

        Assert.True(result.Outcome == Outcome.Ok, result.Message);
        var logs = Encoding.UTF8.GetString(result.Logs.Span);
        Assert.Contains("to stderr", logs, StringComparison.Ordinal);
        Assert.Contains("to stdout", logs, StringComparison.Ordinal);
    }

    [Fact]
    public void Invoke_JsHttpWithCgiVariables_AnswersACgiResponse()
    {
        var result = _fixture.Executor.Invoke(_fixture.Http, new InvocationRequest
        {
            Input = "posted"u8.ToArray(),
            Env =
            [
                KeyValuePair.Create("GATEWAY_INTERFACE", "CGI/1.1"),
                KeyValuePair.Create("REQUEST_METHOD", "POST"),
                KeyValuePair.Create("PATH_INFO", "/a/b"),
                KeyValuePair.Create("QUERY_STRING", "x=1"),
            ],
        });

        Assert.True(result.Outcome == Outcome.Ok, result.Message);
        Assert.Equal("Status: 201\r\ncontent-type: text/plain\r\nx-summary: POST /a/b?x=1\r\n\r\nposted", Encoding.UTF8.GetString(result.Output.Span));
    }

    public sealed class Fixture : IDisposable
    {
        private readonly WasmEngine _engine;

        public Fixture()
        {
            _engine = new WasmEngine(new RuntimeOptions { CacheDir = JsGuests.ArtifactDirectory });
            var cache = new ArtifactCache(_engine, new InProcessCompiler(_engine));
            Echo = cache.GetOrCompile(JsGuests.Bytes("echo", "invoke"));
            Http = cache.GetOrCompile(JsGuests.Bytes("http", "http"));
            Executor = new FunctionExecutor(_engine);
        }

        public CompiledModule Echo { get; }

        public CompiledModule Http { get; }

        public FunctionExecutor Executor { get; }

        public void Dispose() => _engine.Dispose();
    }
}
