using System.Text;
using Platform.Runtime.Artifacts;

namespace Platform.Runtime.Tests;

/// <summary>
/// Shipped artifacts: the cache loads one only when its signature by a trusted key covers this
/// module, this engine and these exact bytes; anything else is refused before Wasmtime sees it,
/// and the module is compiled here instead.
/// </summary>
public sealed class SignedArtifactTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "platform-tests", Guid.NewGuid().ToString("N"));
    private readonly ArtifactSigner _signer = ArtifactSigner.CreateEphemeral();
    private readonly ArtifactSigner _stranger = ArtifactSigner.CreateEphemeral();

    public void Dispose()
    {
        _signer.Dispose();
        _stranger.Dispose();
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    /// <summary>A worker's cache: its own folder, trusting <paramref name="keys"/> (default: the signer's).</summary>
    private (TestSandbox Sandbox, ArtifactCache Cache) Worker(string name, params string[] keys)
    {
        var sandbox = new TestSandbox(new RuntimeOptions { CacheDir = Path.Combine(_root, name) });
        var cache = new ArtifactCache(sandbox.Engine, sandbox.Compiler) { Verifier = new ArtifactVerifier(keys.Length == 0 ? [_signer.PublicKeyPem] : keys) };
        return (sandbox, cache);
    }

    /// <summary>What the control plane does at upload: compile once, sign the artifact.</summary>
    private static async Task<(byte[] Wasm, string Sha256, byte[] Artifact, string Fingerprint)> CompileUpload(string wat)
    {
        using var compiler = new TestSandbox();
        var verdict = await compiler.Validator.ValidateAsync(Encoding.UTF8.GetBytes(wat), ModuleLimits.Default, null, CancellationToken.None);
        Assert.True(verdict.IsValid, verdict.Error);
        Assert.NotNull(verdict.Artifact);
        return (verdict.WasmBytes!, verdict.Sha256!, verdict.Artifact, compiler.Engine.Fingerprint);
    }

    [Fact]
    public async Task TryLoad_SignedByTrustedKey_LoadsAndRunsWithoutCompiling()
    {
        var upload = await CompileUpload(Wat.Hello);
        var (sandbox, cache) = Worker("w1");
        using var owned = sandbox;

        var module = cache.TryLoad(upload.Sha256, _signer.Sign(ArtifactKind.CoreModule, upload.Sha256, upload.Fingerprint, upload.Artifact), out var rejection);

        Assert.Null(rejection);
        Assert.NotNull(module);
        Assert.Equal(Outcome.Ok, sandbox.Run(module).Outcome);
        Assert.Equal("hello", Encoding.UTF8.GetString(sandbox.Run(module).Output.Span));
        Assert.Equal(0, cache.Statistics.Compiles);
        Assert.Equal(1, cache.Statistics.ArtifactLoads);
        Assert.Equal(0, cache.Statistics.ArtifactRejections);
    }

    [Theory]
    [InlineData("flip", "signature does not verify")]
    [InlineData("truncate", "signature does not verify")]
    [InlineData("other-key", "signature does not verify")]
    [InlineData("unsigned", "not signed")]
    [InlineData("other-fingerprint", "compiled for engine")]
    [InlineData("other-module", "another module")]
    [InlineData("other-module-statement", "signature does not verify")]
    public async Task TryLoad_UntrustworthyArtifact_IsRefusedAndTheModuleCompilesHere(string damage, string reason)
    {
        var upload = await CompileUpload(Wat.Hello);
        var other = await CompileUpload(Wat.Unreachable);
        var signed = _signer.Sign(ArtifactKind.CoreModule, upload.Sha256, upload.Fingerprint, upload.Artifact);
        var shipped = damage switch
        {
            "flip" => signed with { Bytes = Flip(signed.Bytes, signed.Bytes.Length / 2) },
            "truncate" => signed with { Bytes = signed.Bytes[..(signed.Bytes.Length - 100)] },
            "other-key" => _stranger.Sign(ArtifactKind.CoreModule, upload.Sha256, upload.Fingerprint, upload.Artifact),
            "unsigned" => signed with { Signature = [] },
            "other-fingerprint" => _signer.Sign(ArtifactKind.CoreModule, upload.Sha256, "00000000000000ff", upload.Artifact),
            // A valid signature over another module's artifact, offered as it is ...
            "other-module" => _signer.Sign(ArtifactKind.CoreModule, other.Sha256, other.Fingerprint, other.Artifact),
            // ... and relabelled as this module's.
            _ => _signer.Sign(ArtifactKind.CoreModule, other.Sha256, other.Fingerprint, other.Artifact) with { ModuleSha256 = upload.Sha256 },
        };
        var (sandbox, cache) = Worker("w1");
        using var owned = sandbox;

        var module = cache.TryLoad(upload.Sha256, shipped, out var rejection);

        Assert.Null(module);
        Assert.Contains(reason, rejection, StringComparison.Ordinal);
        Assert.Equal(1, cache.Statistics.ArtifactRejections);
        Assert.Equal(0, cache.Statistics.ArtifactLoads);
        Assert.Empty(Directory.GetFiles(cache.Directory, "*.cwasm"));
        var compiled = await cache.GetOrCompileAsync(upload.Wasm);
        Assert.Equal(1, cache.Statistics.Compiles);
        Assert.Equal("hello", Encoding.UTF8.GetString(sandbox.Run(compiled).Output.Span));
    }

    [Fact]
    public async Task TryLoad_WithoutTrustedKeys_RefusesEveryArtifact()
    {
        var upload = await CompileUpload(Wat.Hello);
        using var sandbox = new TestSandbox(new RuntimeOptions { CacheDir = Path.Combine(_root, "none") });
        var cache = new ArtifactCache(sandbox.Engine, sandbox.Compiler);

        Assert.Null(cache.TryLoad(upload.Sha256, _signer.Sign(ArtifactKind.CoreModule, upload.Sha256, upload.Fingerprint, upload.Artifact), out var rejection));
        Assert.Contains("no trusted artifact key", rejection, StringComparison.Ordinal);
        Assert.Equal(1, cache.Statistics.ArtifactRejections);
    }

    [Fact]
    public async Task TryLoad_DuringRotation_AcceptsEitherTrustedKey()
    {
        var upload = await CompileUpload(Wat.Hello);
        var (sandbox, cache) = Worker("w1", _stranger.PublicKeyPem, _signer.PublicKeyPem);
        using var owned = sandbox;

        Assert.NotNull(cache.TryLoad(upload.Sha256, _signer.Sign(ArtifactKind.CoreModule, upload.Sha256, upload.Fingerprint, upload.Artifact), out var rejection));
        Assert.Null(rejection);
    }

    [Fact]
    public async Task TryGet_AfterRestart_LoadsTheSignedArtifactFromDiskWithoutCompiling()
    {
        var upload = await CompileUpload(Wat.Hello);
        var (first, cache) = Worker("w1");
        using (first)
            Assert.NotNull(cache.TryLoad(upload.Sha256, _signer.Sign(ArtifactKind.CoreModule, upload.Sha256, upload.Fingerprint, upload.Artifact), out _));

        var (restarted, again) = Worker("w1");
        using var owned = restarted;
        var module = again.TryGet(upload.Sha256);

        Assert.NotNull(module);
        Assert.Equal(1, again.Statistics.DiskHits);
        Assert.Equal(0, again.Statistics.Compiles);
        Assert.Equal(Outcome.Ok, restarted.Run(module).Outcome);
    }

    [Fact]
    public async Task TryGet_SignedArtifactOnDiskAfterItsKeyWasRetired_IsDiscarded()
    {
        var upload = await CompileUpload(Wat.Hello);
        var (first, cache) = Worker("w1");
        using (first)
            Assert.NotNull(cache.TryLoad(upload.Sha256, _signer.Sign(ArtifactKind.CoreModule, upload.Sha256, upload.Fingerprint, upload.Artifact), out _));

        var (restarted, again) = Worker("w1", _stranger.PublicKeyPem);
        using var owned = restarted;

        Assert.Null(again.TryGet(upload.Sha256));
        Assert.Equal(1, again.Statistics.CorruptArtifactsDiscarded);
        Assert.Empty(Directory.GetFiles(again.Directory, "*.cwasm"));
    }

    [Fact]
    public async Task TryGet_SignedArtifactOnDiskWithAFlippedByte_IsDiscarded()
    {
        var upload = await CompileUpload(Wat.Hello);
        var (first, cache) = Worker("w1");
        using (first)
            Assert.NotNull(cache.TryLoad(upload.Sha256, _signer.Sign(ArtifactKind.CoreModule, upload.Sha256, upload.Fingerprint, upload.Artifact), out _));
        var path = Directory.GetFiles(cache.Directory, "*.cwasm").Single();
        File.WriteAllBytes(path, Flip(File.ReadAllBytes(path), File.ReadAllBytes(path).Length - 10));

        var (restarted, again) = Worker("w1");
        using var owned = restarted;

        Assert.Null(again.TryGet(upload.Sha256));
        Assert.Equal(1, again.Statistics.CorruptArtifactsDiscarded);
    }

    [Fact]
    public void LoadOrCreate_CreatesAnOwnerOnlyKeyAndReadsItBack()
    {
        Directory.CreateDirectory(_root);
        var path = Path.Combine(_root, "keys", "signing.pem");
        string created;
        using (var signer = ArtifactSigner.LoadOrCreate(path))
            created = signer.PublicKeyPem;
        using var loaded = ArtifactSigner.LoadOrCreate(path);

        Assert.Equal(created, loaded.PublicKeyPem);
        Assert.Equal(created, File.ReadAllText(ArtifactSigner.PublicKeyPath(path)));
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }

    [Fact]
    public void Verifier_KeyThatIsNotP256_IsRefused()
    {
        using var rsa = System.Security.Cryptography.RSA.Create(2048);
        Assert.ThrowsAny<System.Security.Cryptography.CryptographicException>(() => new ArtifactVerifier([rsa.ExportSubjectPublicKeyInfoPem()]));
    }

    private static byte[] Flip(byte[] bytes, int index)
    {
        var copy = bytes.ToArray();
        copy[index] ^= 0xff;
        return copy;
    }
}
