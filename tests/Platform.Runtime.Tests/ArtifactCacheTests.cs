using System.Text;
using Wasmtime;

namespace Platform.Runtime.Tests;

public sealed class ArtifactCacheTests : IDisposable
{
    private readonly string _cacheDir = Path.Combine(Path.GetTempPath(), "platform-tests", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_cacheDir)) Directory.Delete(_cacheDir, recursive: true);
    }

    private TestSandbox NewSandbox(Action<RuntimeOptions>? configure = null)
    {
        var options = new RuntimeOptions { CacheDir = _cacheDir };
        configure?.Invoke(options);
        return new TestSandbox(options);
    }

    private static byte[] Binary(TestSandbox sandbox, string wat) => sandbox.Validator.Validate(Encoding.UTF8.GetBytes(wat), ModuleLimits.Default).WasmBytes!;

    [Fact]
    public void GetOrCompile_SecondTime_IsAMemoryHitWithoutCompiling()
    {
        using var sandbox = NewSandbox();
        var bytes = Binary(sandbox, Wat.Hello);

        var first = sandbox.Cache.GetOrCompile(bytes);
        var second = sandbox.Cache.GetOrCompile(bytes);

        Assert.Same(first, second);
        Assert.Equal(1, sandbox.Cache.Statistics.Compiles);
        Assert.Equal(1, sandbox.Cache.Statistics.MemoryHits);
    }

    [Fact]
    public void GetOrCompile_AfterRestart_LoadsFromDiskWithoutCompiling()
    {
        byte[] bytes;
        string sha256;
        using (var before = NewSandbox())
        {
            bytes = Binary(before, Wat.Hello);
            sha256 = before.Cache.GetOrCompile(bytes).Sha256;
        }

        using var after = NewSandbox();
        var module = after.Cache.TryGet(sha256);

        Assert.NotNull(module);
        Assert.Equal(0, after.Cache.Statistics.Compiles);
        Assert.Equal(1, after.Cache.Statistics.DiskHits);
        Assert.Equal(Outcome.Ok, after.Run(module).Outcome);
        Assert.Contains(sha256, after.Cache.ListArtifacts());
    }

    [Theory]
    [InlineData("truncate")]
    [InlineData("flip")]
    [InlineData("garbage")]
    public void TryGet_CorruptedArtifact_IsDiscardedAndRecompiled(string damage)
    {
        using var sandbox = NewSandbox();
        var bytes = Binary(sandbox, Wat.Hello);
        var sha256 = sandbox.Cache.GetOrCompile(bytes).Sha256;
        var path = Directory.GetFiles(_cacheDir, $"{sha256}.*.cwasm").Single();
        var content = File.ReadAllBytes(path);
        switch (damage)
        {
            case "truncate": File.WriteAllBytes(path, content[..(content.Length / 2)]); break;
            case "flip": content[^100] ^= 0xff; File.WriteAllBytes(path, content); break;
            default: File.WriteAllBytes(path, Encoding.UTF8.GetBytes("not an artifact at all")); break;
        }

        using var restarted = NewSandbox();
        Assert.Null(restarted.Cache.TryGet(sha256));
        Assert.Equal(1, restarted.Cache.Statistics.CorruptArtifactsDiscarded);
        Assert.False(File.Exists(path));

        var recompiled = restarted.Cache.GetOrCompile(bytes);
        Assert.Equal(1, restarted.Cache.Statistics.Compiles);
        Assert.Equal("hello", Encoding.UTF8.GetString(restarted.Run(recompiled).Output.Span));
    }

    [Fact]
    public void TryGet_ArtifactOfAnotherEngineFingerprint_IsNotLoaded()
    {
        string sha256;
        using (var before = NewSandbox())
        {
            sha256 = before.Cache.GetOrCompile(Binary(before, Wat.Hello)).Sha256;
        }

        using var other = NewSandbox(options => options.MaxWasmStackBytes = 256 * 1024);

        Assert.NotEqual(new WasmEngine(new RuntimeOptions { CacheDir = _cacheDir }).Fingerprint, other.Engine.Fingerprint);
        Assert.Null(other.Cache.TryGet(sha256));
        Assert.Empty(other.Cache.ListArtifacts());
        Assert.Equal(0, other.Cache.Statistics.DiskHits);
    }

    [Fact]
    public void GetOrCompile_ConcurrentRequests_CompileOnce()
    {
        using var sandbox = NewSandbox();
        var bytes = Binary(sandbox, Wat.ManyFunctions(3000));

        var modules = new CompiledModule[16];
        Parallel.For(0, modules.Length, i => modules[i] = sandbox.Cache.GetOrCompile(bytes));

        Assert.Equal(1, sandbox.Cache.Statistics.Compiles);
        Assert.All(modules, m => Assert.Same(modules[0], m));
    }

    [Fact]
    public void MemoryCache_BoundedByCount_EvictsLeastRecentlyUsed()
    {
        using var sandbox = NewSandbox(options => options.MemoryCacheMaxModules = 2);
        var modules = new[] { Wat.Hello, Wat.Echo, Wat.Spin }.Select(wat => Binary(sandbox, wat)).ToArray();

        var hello = sandbox.Cache.GetOrCompile(modules[0]);
        sandbox.Cache.GetOrCompile(modules[1]);
        sandbox.Cache.GetOrCompile(modules[0]);
        sandbox.Cache.GetOrCompile(modules[2]);

        var statistics = sandbox.Cache.Statistics;
        Assert.Equal(2, statistics.ModulesInMemory);
        Assert.Equal(3, statistics.Compiles);
        // Echo was the least recently used: hello is still in memory, echo comes back from disk.
        Assert.Same(hello, sandbox.Cache.TryGet(hello.Sha256));
        sandbox.Cache.GetOrCompile(modules[1]);
        Assert.Equal(1, sandbox.Cache.Statistics.DiskHits);
        Assert.Equal(3, sandbox.Cache.Statistics.Compiles);
    }

    [Fact]
    public void MemoryCache_BoundedByBytes()
    {
        using var sandbox = NewSandbox(options => options.MemoryCacheMaxBytes = 1);
        sandbox.Cache.GetOrCompile(Binary(sandbox, Wat.Hello));
        sandbox.Cache.GetOrCompile(Binary(sandbox, Wat.Echo));

        Assert.Equal(1, sandbox.Cache.Statistics.ModulesInMemory);
    }

    [Fact]
    public void Evict_RemovesMemoryAndDisk()
    {
        using var sandbox = NewSandbox();
        var sha256 = sandbox.Cache.GetOrCompile(Binary(sandbox, Wat.Hello)).Sha256;

        sandbox.Cache.Evict(sha256);

        Assert.False(sandbox.Cache.Contains(sha256));
        Assert.Null(sandbox.Cache.TryGet(sha256));
    }

    [Fact]
    public void GetOrCompile_InvalidBytes_ThrowsInvalidModule()
    {
        using var sandbox = NewSandbox();

        var error = Assert.Throws<InvalidModuleException>(() => sandbox.Cache.GetOrCompile(Encoding.UTF8.GetBytes(Wat.Hello)));
        Assert.Contains("WAT", error.Message);
        Assert.Throws<InvalidModuleException>(() => sandbox.Cache.GetOrCompile([0, 97, 115, 109, 1, 0, 0, 0, 99]));
        var foreign = Assert.Throws<InvalidModuleException>(() => sandbox.Cache.GetOrCompile(Module.ConvertText(Wat.ForeignImport)));
        Assert.Contains("evil_host", foreign.Message);
    }
}
