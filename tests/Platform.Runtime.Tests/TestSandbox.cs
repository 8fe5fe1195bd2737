using System.Text;
using Platform.Runtime.Compilation;

namespace Platform.Runtime.Tests;

/// <summary>An engine with its own temporary artifact cache, plus shortcuts to compile and run.</summary>
internal sealed class TestSandbox : IDisposable
{
    private readonly bool _ownsCacheDir;

    /// <summary>With options, the caller owns the cache folder; without, the sandbox makes and removes its own.</summary>
    public TestSandbox(RuntimeOptions? options = null)
    {
        _ownsCacheDir = options is null;
        Options = options ?? new RuntimeOptions { CacheDir = Path.Combine(Path.GetTempPath(), "platform-tests", Guid.NewGuid().ToString("N")) };
        Engine = new WasmEngine(Options);
        // The sandbox tests are about running modules: they compile in-process; the compile
        // budget's own tests use IsolatedCompiler.
        Compiler = new InProcessCompiler(Engine);
        Cache = new ArtifactCache(Engine, Compiler);
        Validator = new ModuleValidator(Engine, Compiler);
        Executor = new FunctionExecutor(Engine);
    }

    public RuntimeOptions Options { get; }

    public WasmEngine Engine { get; }

    public IModuleCompiler Compiler { get; }

    public ArtifactCache Cache { get; }

    public ModuleValidator Validator { get; }

    public FunctionExecutor Executor { get; }

    public CompiledModule Compile(string wat) => Compile(Encoding.UTF8.GetBytes(wat));

    public CompiledModule Compile(byte[] source)
    {
        var verdict = Validator.Validate(source, ModuleLimits.Default);
        Assert.True(verdict.IsValid, verdict.Error);
        return Cache.GetOrCompile(verdict.WasmBytes!);
    }

    public InvocationResult Run(string wat, string input = "", InvocationLimits? limits = null) =>
        Run(Compile(wat), input, limits);

    public InvocationResult Run(CompiledModule module, string input = "", InvocationLimits? limits = null) =>
        Executor.Invoke(module, new InvocationRequest
        {
            Input = Encoding.UTF8.GetBytes(input),
            Args = ["test-function"],
            Limits = limits ?? InvocationLimits.Default,
        });

    public void Dispose()
    {
        Engine.Dispose();
        if (!_ownsCacheDir) return;
        try
        {
            Directory.Delete(Options.CacheDir, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}

/// <summary>Blocking forms of the async compile calls, for tests that compile on the test's thread.</summary>
internal static class CompileShortcuts
{
    public static CompiledModule GetOrCompile(this ArtifactCache cache, byte[] wasm) =>
        cache.GetOrCompileAsync(wasm).GetAwaiter().GetResult();

    public static ModuleValidation Validate(this ModuleValidator validator, byte[] source, ModuleLimits limits) =>
        validator.ValidateAsync(source, limits, partition: null, CancellationToken.None).GetAwaiter().GetResult();
}
