using Platform.Runtime.Wasi;
using Wasmtime;

namespace Platform.Runtime.Tests;

/// <summary>The WASI host's one table: what the linker defines is exactly what uploads are checked against.</summary>
public sealed class WasiTableTests
{
    [Fact]
    public void EveryFunctionTheLinkerDefines_HasTheSignatureImportsAreCheckedAgainst()
    {
        using var sandbox = new TestSandbox();
        using var store = new Store(sandbox.Engine.Engine);

        Assert.Equal(46, WasiPreview1.Signatures.Count);
        foreach (var (name, (parameters, results)) in WasiPreview1.Signatures)
        {
            var defined = sandbox.Engine.Linker.GetFunction(store, WasiPreview1.ModuleName, name);
            Assert.True(defined is not null, $"{name} is not defined");
            Assert.Equal(parameters, defined.Parameters);
            Assert.Equal(results, defined.Results);
        }
    }
}
