using System.Security.Cryptography;
using System.Text;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Platform.Contracts.V1;
using Platform.Runtime.Files;
using Platform.Worker.Assets;

namespace Platform.Worker.Tests;

public sealed class AssetTests
{
    private static (string Sha256, byte[] Tar) Bundle(string content)
    {
        var bundle = new AssetBundle(new Dictionary<string, ReadOnlyMemory<byte>>(StringComparer.Ordinal)
        {
            ["data/hello.txt"] = Encoding.UTF8.GetBytes(content),
            ["templates/a.html"] = "<p/>"u8.ToArray(),
        });
        var tar = AssetArchive.Pack(bundle);
        return (Convert.ToHexStringLower(SHA256.HashData(tar)), tar);
    }

    [Fact]
    public async Task Invoke_MissingBundle_ConcurrentCallsShareOneFetch()
    {
        await using var controlPlane = await FakeControlPlane.StartAsync();
        controlPlane.State.FetchDelay = TimeSpan.FromMilliseconds(300);
        var guest = Guest.FromWat(Wat.Echo);
        controlPlane.State.Add(guest);
        var (sha256, tar) = Bundle("hello");
        controlPlane.State.Assets[sha256] = tar;
        await using var worker = await TestWorker.StartAsync(controlPlane.Url, settings: new Dictionary<string, string?> { ["MaxConcurrentInvocations"] = "32" });

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => worker.InvokeAsync(guest, input: $"call {i}", edit: r => r.AssetsSha256 = sha256)));

        Assert.All(results, r => Assert.Equal(InvocationOutcome.Ok, r.Outcome));
        Assert.Equal(1, controlPlane.State.AssetFetchCount(sha256));
        var cache = worker.Services.GetRequiredService<AssetCache>();
        Assert.Equal(1, cache.Fetches);
        var held = await cache.GetAsync(sha256, CancellationToken.None);
        Assert.Equal("hello", Encoding.UTF8.GetString(held.Files["data/hello.txt"].Span));
        Assert.Equal(9, cache.MemoryBytes);
        Assert.True(File.Exists(Path.Combine(worker.CacheDir, "assets", sha256 + ".tar")));

        // Later calls run from the cache.
        Assert.Equal(InvocationOutcome.Ok, (await worker.InvokeAsync(guest, edit: r => r.AssetsSha256 = sha256)).Outcome);
        Assert.Equal(1, controlPlane.State.AssetFetchCount(sha256));
    }

    [Fact]
    public async Task Invoke_AfterARestart_ReadsTheBundleFromDiskWithoutFetching()
    {
        await using var controlPlane = await FakeControlPlane.StartAsync();
        var guest = Guest.FromWat(Wat.Echo);
        controlPlane.State.Add(guest);
        var (sha256, tar) = Bundle("kept");
        controlPlane.State.Assets[sha256] = tar;
        var cacheDir = TestWorker.NewCacheDir();
        await using (var first = await TestWorker.StartAsync(controlPlane.Url, cacheDir))
            Assert.Equal(InvocationOutcome.Ok, (await first.InvokeAsync(guest, edit: r => r.AssetsSha256 = sha256)).Outcome);

        await using var second = await TestWorker.StartAsync(controlPlane.Url, cacheDir);
        Assert.Equal(InvocationOutcome.Ok, (await second.InvokeAsync(guest, edit: r => r.AssetsSha256 = sha256)).Outcome);

        Assert.Equal(1, controlPlane.State.AssetFetchCount(sha256));
        Assert.Equal(0, second.Services.GetRequiredService<AssetCache>().Fetches);
    }

    [Fact]
    public async Task Invoke_BundleOnDiskAltered_IsFetchedAgain()
    {
        await using var controlPlane = await FakeControlPlane.StartAsync();
        var guest = Guest.FromWat(Wat.Echo);
        controlPlane.State.Add(guest);
        var (sha256, tar) = Bundle("original");
        controlPlane.State.Assets[sha256] = tar;
        var cacheDir = TestWorker.NewCacheDir();
        await using (var first = await TestWorker.StartAsync(controlPlane.Url, cacheDir))
            await first.InvokeAsync(guest, edit: r => r.AssetsSha256 = sha256);
        var path = Path.Combine(cacheDir, "assets", sha256 + ".tar");
        var altered = await File.ReadAllBytesAsync(path);
        altered[^1024] ^= 0xff;
        await File.WriteAllBytesAsync(path, altered);

        await using var second = await TestWorker.StartAsync(controlPlane.Url, cacheDir);
        var held = await second.Services.GetRequiredService<AssetCache>().GetAsync(sha256, CancellationToken.None);

        Assert.Equal("original", Encoding.UTF8.GetString(held.Files["data/hello.txt"].Span));
        Assert.Equal(2, controlPlane.State.AssetFetchCount(sha256));
        Assert.Equal(tar, await File.ReadAllBytesAsync(path));
    }

    [Fact]
    public async Task Invoke_BytesThatDoNotMatchTheHash_AreRefusedAsUnavailable()
    {
        await using var controlPlane = await FakeControlPlane.StartAsync();
        var guest = Guest.FromWat(Wat.Echo);
        controlPlane.State.Add(guest);
        var (sha256, _) = Bundle("claimed");
        controlPlane.State.Assets[sha256] = Bundle("substituted").Tar;
        await using var worker = await TestWorker.StartAsync(controlPlane.Url);

        var ex = await RpcAssert.FailsAsync(() => worker.InvokeAsync(guest, edit: r => r.AssetsSha256 = sha256), StatusCode.Unavailable, RefusalReason.ModuleUnavailable);

        Assert.Contains("SHA-256", ex.Status.Detail, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(worker.CacheDir, "assets", sha256 + ".tar")));
    }

    [Fact]
    public async Task Invoke_BundleTheControlPlaneDoesNotHave_IsUnavailableAndNotRemembered()
    {
        await using var controlPlane = await FakeControlPlane.StartAsync();
        var guest = Guest.FromWat(Wat.Echo);
        controlPlane.State.Add(guest);
        var (sha256, tar) = Bundle("late");
        await using var worker = await TestWorker.StartAsync(controlPlane.Url);

        var ex = await RpcAssert.FailsAsync(() => worker.InvokeAsync(guest, edit: r => r.AssetsSha256 = sha256), StatusCode.Unavailable, RefusalReason.ModuleUnavailable);
        Assert.Contains(sha256, ex.Status.Detail, StringComparison.Ordinal);

        controlPlane.State.Assets[sha256] = tar;
        Assert.Equal(InvocationOutcome.Ok, (await worker.InvokeAsync(guest, edit: r => r.AssetsSha256 = sha256)).Outcome);
        Assert.Equal(2, controlPlane.State.AssetFetchCount(sha256));
    }

    [Theory]
    [InlineData("../../etc/passwd")]
    [InlineData("ABCDEF")]
    [InlineData("0123456789abcdef0123456789abcdef0123456789abcdef0123456789ABCDEF")]
    public async Task Invoke_MalformedAssetsHash_IsInvalidArgument(string assets)
    {
        await using var worker = await TestWorker.StartAsync();
        var guest = Guest.FromWat(Wat.Echo);
        await worker.PushAsync(guest);

        var ex = await RpcAssert.FailsAsync(() => worker.InvokeAsync(guest, edit: r => r.AssetsSha256 = assets), StatusCode.InvalidArgument, RefusalReason.InvalidArgument);

        Assert.Contains("assets_sha256", ex.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invoke_NegativeScratchLimit_IsInvalidArgument()
    {
        await using var worker = await TestWorker.StartAsync();
        var guest = Guest.FromWat(Wat.Echo);
        await worker.PushAsync(guest);

        var ex = await RpcAssert.FailsAsync(
            () => worker.InvokeAsync(guest, limits: new Platform.Contracts.V1.InvocationLimits { Fuel = 1_000_000, ScratchMaxBytes = -1 }),
            StatusCode.InvalidArgument, RefusalReason.InvalidArgument);

        Assert.Contains("scratch_max_bytes", ex.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Evict_DropsTheBundleFromMemoryAndDisk_NextInvokeFetchesIt()
    {
        await using var controlPlane = await FakeControlPlane.StartAsync();
        var guest = Guest.FromWat(Wat.Echo);
        controlPlane.State.Add(guest);
        var (sha256, tar) = Bundle("evicted");
        controlPlane.State.Assets[sha256] = tar;
        await using var worker = await TestWorker.StartAsync(controlPlane.Url);
        await worker.InvokeAsync(guest, edit: r => r.AssetsSha256 = sha256);

        var evicted = await worker.Client.EvictAsync(new EvictRequest { Sha256 = sha256 }, deadline: TestWorker.Deadline());

        Assert.True(evicted.Evicted);
        Assert.False(File.Exists(Path.Combine(worker.CacheDir, "assets", sha256 + ".tar")));
        Assert.Equal(0, worker.Services.GetRequiredService<AssetCache>().MemoryBytes);
        Assert.Equal(InvocationOutcome.Ok, (await worker.InvokeAsync(guest, edit: r => r.AssetsSha256 = sha256)).Outcome);
        Assert.Equal(2, controlPlane.State.AssetFetchCount(sha256));
    }
}
