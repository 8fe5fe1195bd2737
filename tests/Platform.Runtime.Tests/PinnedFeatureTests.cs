using System.Text;

namespace Platform.Runtime.Tests;

/// <summary>
/// The engine's Wasm features are the platform's choice, not Wasmtime's defaults: a module using
/// one that is off is refused at validation, naming the feature, instead of uploading and then
/// failing on every call.
/// </summary>
public sealed class PinnedFeatureTests : IDisposable
{
    private readonly TestSandbox _sandbox = new();

    public void Dispose() => _sandbox.Dispose();

    [Theory]
    [InlineData("shared memory", "(module (memory 1 1 shared) (func (export \"_start\")))", "thread")]
    [InlineData("atomics", "(module (memory 1) (func (export \"_start\") (drop (i32.atomic.load (i32.const 0)))))", "thread")]
    [InlineData("two memories", "(module (memory 1) (memory 1) (func (export \"_start\")))", "multi")]
    [InlineData("memory64", "(module (memory i64 1) (func (export \"_start\")))", "memory64")]
    [InlineData("exceptions", "(module (tag $e) (func (export \"_start\") (throw $e)))", "exception")]
    [InlineData("gc", "(module (type $s (struct (field i32))) (func (export \"_start\") (drop (struct.new $s (i32.const 1)))))", "gc")]
    [InlineData("relaxed simd", "(module (func (export \"_start\") (drop (f32x4.relaxed_madd (v128.const i32x4 0 0 0 0) (v128.const i32x4 0 0 0 0) (v128.const i32x4 0 0 0 0)))))", "relaxed")]
    public void Validate_FeatureThatIsOff_IsInvalidNamingTheFeature(string feature, string wat, string named)
    {
        var verdict = _sandbox.Validator.Validate(Encoding.UTF8.GetBytes(wat), ModuleLimits.Default);

        Assert.False(verdict.IsValid, $"{feature} passed validation");
        Assert.True(verdict.Error!.Contains(named, StringComparison.OrdinalIgnoreCase), verdict.Error);
    }

    [Theory]
    [InlineData("simd", "(module (func (export \"_start\") (drop (i32x4.splat (i32.const 1)))))")]
    [InlineData("bulk memory", "(module (memory 1) (func (export \"_start\") (memory.fill (i32.const 0) (i32.const 0) (i32.const 8))))")]
    [InlineData("multi-value", "(module (func $two (result i32 i32) (i32.const 1) (i32.const 2)) (func (export \"_start\") (call $two) (drop) (drop)))")]
    [InlineData("tail calls", "(module (func $f) (func (export \"_start\") (return_call $f)))")]
    public void Validate_FeatureThatIsOn_RunsOk(string feature, string wat)
    {
        var result = _sandbox.Run(wat);

        Assert.True(result.Outcome == Outcome.Ok, $"{feature}: {result.Outcome} {result.Message}");
    }

    [Fact]
    public void Fingerprint_NamesTheFeatureSet()
    {
        Assert.Equal("bulk-memory,multi-value,reference-types,simd,tail-call", WasmEngine.EnabledFeatures);
        Assert.Matches("^[0-9a-f]{16}$", _sandbox.Engine.Fingerprint);
    }
}
