using Google.Protobuf;
using Grpc.Core;
using Platform.Contracts.V1;
using Platform.Runtime.Artifacts;
using Platform.Runtime.Compilation;
using WireKind = Platform.Contracts.V1.ArtifactKind;

namespace Platform.Worker.Tests;

/// <summary>The control plane's side of a push or fetch as these tests send it: compile once, sign, chunk.</summary>
internal static class ArtifactShipping
{
    public static async Task<SignedArtifact> CompileAndSignAsync(Guest guest, ArtifactSigner signer, string? fingerprint = null)
    {
        var artifact = await new InProcessCompiler(SharedEngine.Instance).CompileAsync(guest.Bytes, null, CancellationToken.None);
        return signer.Sign(Platform.Runtime.Artifacts.ArtifactKind.CoreModule, guest.Sha256, fingerprint ?? SharedEngine.Instance.Fingerprint, artifact);
    }

    public static ArtifactHeader Header(SignedArtifact artifact) => new()
    {
        Kind = WireKind.CoreModule,
        EngineFingerprint = artifact.Fingerprint,
        SizeBytes = artifact.Bytes.Length,
        Signature = ByteString.CopyFrom(artifact.Signature),
    };

    public static IEnumerable<ByteString> Chunks(byte[] bytes, int chunkBytes)
    {
        for (var offset = 0; offset < bytes.Length; offset += chunkBytes)
            yield return ByteString.CopyFrom(bytes, offset, Math.Min(chunkBytes, bytes.Length - offset));
    }

    /// <summary>Header (with <paramref name="header"/>), the module's chunks, then <paramref name="artifactBytes"/> in chunks; <paramref name="order"/> may put one artifact chunk first.</summary>
    public static async Task<PushModuleResponse> PushAsync(WorkerService.WorkerServiceClient client, Guest guest, ArtifactHeader? header, byte[] artifactBytes, bool artifactFirst = false)
    {
        using var call = client.PushModule(deadline: TestWorker.Deadline());
        var messages = new List<PushModuleRequest> { new() { Header = new PushModuleHeader { Sha256 = guest.Sha256, SizeBytes = guest.Bytes.Length, Artifact = header } } };
        var module = Chunks(guest.Bytes, 4096).Select(c => new PushModuleRequest { Chunk = c });
        var artifact = Chunks(artifactBytes, 64 * 1024).Select(c => new PushModuleRequest { ArtifactChunk = c });
        messages.AddRange(artifactFirst ? artifact.Concat(module) : module.Concat(artifact));
        try
        {
            foreach (var message in messages)
                await call.RequestStream.WriteAsync(message).WaitAsync(TestTimeouts.Default);
            await call.RequestStream.CompleteAsync().WaitAsync(TestTimeouts.Default);
        }
        catch (Exception ex) when (ex is RpcException or InvalidOperationException)
        {
            // The worker answered early (an error); the response below carries it.
        }

        return await call.ResponseAsync.WaitAsync(TestTimeouts.Default);
    }
}

/// <summary>
/// A worker loads a pushed or fetched artifact only when it is signed by a key in its own
/// configuration for its engine and this module; otherwise it compiles, and the invocation is OK either way.
/// </summary>
public sealed class ArtifactShippingTests : IDisposable
{
    private readonly ArtifactSigner _signer = ArtifactSigner.CreateEphemeral();
    private readonly ArtifactSigner _stranger = ArtifactSigner.CreateEphemeral();

    public void Dispose()
    {
        _signer.Dispose();
        _stranger.Dispose();
    }

    private Dictionary<string, string?> Trusting(params (string Key, string Value)[] more)
    {
        var settings = new Dictionary<string, string?> { ["Artifacts:TrustedPublicKeys:0"] = _signer.PublicKeyPem };
        foreach (var (key, value) in more) settings[key] = value;
        return settings;
    }

    [Fact]
    public async Task Push_WithSignedArtifact_LoadsItWithoutCompiling()
    {
        await using var worker = await TestWorker.StartAsync(settings: Trusting());
        var guest = Guest.FromWat(Wat.Hello);
        var artifact = await ArtifactShipping.CompileAndSignAsync(guest, _signer);

        var pushed = await ArtifactShipping.PushAsync(worker.Client, guest, ArtifactShipping.Header(artifact), artifact.Bytes);

        Assert.True(pushed.ArtifactLoaded);
        Assert.False(pushed.Compiled);
        var status = await worker.StatusAsync();
        Assert.Equal(0, status.Compiles);
        Assert.Equal(1, status.ArtifactLoads);
        Assert.Equal(0, status.ArtifactRejections);
        Assert.Equal([guest.Sha256], status.Modules);
        var result = await worker.InvokeAsync(guest);
        Assert.Equal(InvocationOutcome.Ok, result.Outcome);
        Assert.Equal("hello", result.Output.ToStringUtf8());
    }

    [Theory]
    [InlineData("flip")]
    [InlineData("truncate")]
    [InlineData("other-key")]
    [InlineData("unsigned")]
    [InlineData("other-fingerprint")]
    [InlineData("other-module")]
    [InlineData("oversize")]
    [InlineData("unknown-kind")]
    public async Task Push_WithUntrustworthyArtifact_CompilesInsteadAndRuns(string damage)
    {
        await using var worker = await TestWorker.StartAsync(settings: Trusting(("Artifacts:MaxArtifactBytes", (1 << 20).ToString(System.Globalization.CultureInfo.InvariantCulture))));
        var guest = Guest.FromWat(Wat.Hello);
        var artifact = await ArtifactShipping.CompileAndSignAsync(guest, _signer);
        var header = ArtifactShipping.Header(artifact);
        var bytes = artifact.Bytes;
        switch (damage)
        {
            case "flip":
                bytes = bytes.ToArray();
                bytes[bytes.Length / 2] ^= 0x01;
                break;
            case "truncate":
                bytes = bytes[..^1];
                break;
            case "other-key":
                header = ArtifactShipping.Header(_stranger.Sign(artifact.Kind, guest.Sha256, artifact.Fingerprint, artifact.Bytes));
                break;
            case "unsigned":
                header.Signature = ByteString.Empty;
                break;
            case "other-fingerprint":
                header = ArtifactShipping.Header(await ArtifactShipping.CompileAndSignAsync(guest, _signer, fingerprint: "00000000000000ff"));
                break;
            case "other-module":
                var other = await ArtifactShipping.CompileAndSignAsync(Guest.FromWat(Wat.Unreachable), _signer);
                header = ArtifactShipping.Header(other);
                bytes = other.Bytes;
                break;
            case "oversize":
                header.SizeBytes = 2 << 20;
                break;
            default:
                header.Kind = (WireKind)77;
                break;
        }

        var pushed = await ArtifactShipping.PushAsync(worker.Client, guest, header, bytes);

        Assert.False(pushed.ArtifactLoaded);
        Assert.True(pushed.Compiled);
        var status = await worker.StatusAsync();
        Assert.Equal(1, status.Compiles);
        Assert.Equal(0, status.ArtifactLoads);
        Assert.Equal(1, status.ArtifactRejections);
        var result = await worker.InvokeAsync(guest);
        Assert.Equal(InvocationOutcome.Ok, result.Outcome);
        Assert.Equal("hello", result.Output.ToStringUtf8());
    }

    [Fact]
    public async Task Push_SignedArtifactToAWorkerTrustingNoKey_Compiles()
    {
        await using var worker = await TestWorker.StartAsync();
        var guest = Guest.FromWat(Wat.Hello);
        var artifact = await ArtifactShipping.CompileAndSignAsync(guest, _signer);

        var pushed = await ArtifactShipping.PushAsync(worker.Client, guest, ArtifactShipping.Header(artifact), artifact.Bytes);

        Assert.True(pushed.Compiled);
        Assert.Equal(1, (await worker.StatusAsync()).ArtifactRejections);
    }

    [Fact]
    public async Task Push_ArtifactBytesWithoutAnnouncedArtifact_IsInvalidArgument()
    {
        await using var worker = await TestWorker.StartAsync(settings: Trusting());
        var guest = Guest.FromWat(Wat.Hello);
        var artifact = await ArtifactShipping.CompileAndSignAsync(guest, _signer);

        var ex = await RpcAssert.FailsAsync(() => ArtifactShipping.PushAsync(worker.Client, guest, header: null, artifact.Bytes), StatusCode.InvalidArgument, RefusalReason.InvalidArgument);

        Assert.Contains("artifact", ex.Status.Detail, StringComparison.Ordinal);
        Assert.Empty((await worker.StatusAsync()).Modules);
    }

    [Fact]
    public async Task Push_ModuleBytesAfterArtifactBytes_IsInvalidArgument()
    {
        await using var worker = await TestWorker.StartAsync(settings: Trusting());
        var guest = Guest.FromWat(Wat.Hello);
        var artifact = await ArtifactShipping.CompileAndSignAsync(guest, _signer);

        await RpcAssert.FailsAsync(() => ArtifactShipping.PushAsync(worker.Client, guest, ArtifactShipping.Header(artifact), artifact.Bytes, artifactFirst: true), StatusCode.InvalidArgument, RefusalReason.InvalidArgument);

        var status = await worker.StatusAsync();
        Assert.Empty(status.Modules);
        Assert.Equal(0, status.ArtifactLoads);
    }

    [Fact]
    public async Task Restart_AfterLoadingAPushedArtifact_ServesFromDiskWithoutCompiling()
    {
        var cacheDir = TestWorker.NewCacheDir();
        var guest = Guest.FromWat(Wat.Hello);
        var artifact = await ArtifactShipping.CompileAndSignAsync(guest, _signer);
        try
        {
            await using (var first = await TestWorker.StartAsync(cacheDir: cacheDir, settings: Trusting()))
                Assert.True((await ArtifactShipping.PushAsync(first.Client, guest, ArtifactShipping.Header(artifact), artifact.Bytes)).ArtifactLoaded);

            await using var restarted = await TestWorker.StartAsync(cacheDir: cacheDir, settings: Trusting());
            var result = await restarted.InvokeAsync(guest);

            Assert.Equal(InvocationOutcome.Ok, result.Outcome);
            var status = await restarted.StatusAsync();
            Assert.Equal(0, status.Compiles);
            Assert.Equal(0, status.ArtifactLoads);
            Assert.True(status.CacheDiskHits >= 1);
        }
        finally
        {
            TestWorker.DeleteCacheDir(cacheDir);
        }
    }

    [Fact]
    public async Task Invoke_MissingModule_FetchesTheSignedArtifactForItsFingerprintAndLoadsIt()
    {
        await using var controlPlane = await FakeControlPlane.StartAsync();
        var guest = Guest.FromWat(Wat.Echo);
        controlPlane.State.Add(guest);
        controlPlane.State.Artifacts[guest.Sha256] = await ArtifactShipping.CompileAndSignAsync(guest, _signer);
        await using var worker = await TestWorker.StartAsync(controlPlane.Url, settings: Trusting());

        var result = await worker.InvokeAsync(guest, input: "fetched");

        Assert.Equal(InvocationOutcome.Ok, result.Outcome);
        Assert.Equal("fetched", result.Output.ToStringUtf8());
        Assert.Contains(SharedEngine.Instance.Fingerprint, controlPlane.State.FetchedFingerprints);
        var status = await worker.StatusAsync();
        Assert.Equal(0, status.Compiles);
        Assert.Equal(1, status.ArtifactLoads);
    }

    [Fact]
    public async Task Invoke_MissingModule_FetchedArtifactByAnotherKeyIsRefusedAndCompiled()
    {
        await using var controlPlane = await FakeControlPlane.StartAsync();
        var guest = Guest.FromWat(Wat.Echo);
        controlPlane.State.Add(guest);
        controlPlane.State.Artifacts[guest.Sha256] = await ArtifactShipping.CompileAndSignAsync(guest, _stranger);
        await using var worker = await TestWorker.StartAsync(controlPlane.Url, settings: Trusting());

        var result = await worker.InvokeAsync(guest, input: "compiled");

        Assert.Equal(InvocationOutcome.Ok, result.Outcome);
        Assert.Equal("compiled", result.Output.ToStringUtf8());
        var status = await worker.StatusAsync();
        Assert.Equal(1, status.Compiles);
        Assert.Equal(1, status.ArtifactRejections);
    }
}
