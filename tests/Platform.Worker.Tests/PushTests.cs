using Microsoft.AspNetCore.Hosting;
using Grpc.Core;
using Platform.Contracts.V1;

namespace Platform.Worker.Tests;

public sealed class PushTests
{
    [Fact]
    public async Task Push_ThenInvoke_CompilesAtPushNotAtInvoke()
    {
        await using var worker = await TestWorker.StartAsync();
        var guest = Guest.FromWat(Wat.Hello);

        var pushed = await worker.PushAsync(guest, chunkBytes: 7);
        Assert.Equal(guest.Sha256, pushed.Sha256);
        Assert.True(pushed.Compiled);
        Assert.True(pushed.CompileMs > 0);
        var afterPush = await worker.StatusAsync();
        Assert.Equal(1, afterPush.Compiles);
        Assert.Equal([guest.Sha256], afterPush.Modules);

        var result = await worker.InvokeAsync(guest);
        Assert.Equal(InvocationOutcome.Ok, result.Outcome);
        Assert.Equal("hello", result.Output.ToStringUtf8());
        Assert.Equal(0, result.ExitCode);
        Assert.True(result.FuelConsumed > 0);
        Assert.True(result.DurationUs > 0);
        Assert.Equal(afterPush.WorkerId, result.WorkerId);

        var afterInvoke = await worker.StatusAsync();
        Assert.Equal(1, afterInvoke.Compiles);
        Assert.True(afterInvoke.CacheMemoryHits >= 1);
    }

    [Fact]
    public async Task Push_SameModuleAgain_DoesNotCompile()
    {
        await using var worker = await TestWorker.StartAsync();
        var guest = Guest.FromWat(Wat.Hello);

        Assert.True((await worker.PushAsync(guest)).Compiled);
        var again = await worker.PushAsync(guest);

        Assert.False(again.Compiled);
        Assert.Equal(0, again.CompileMs);
        Assert.Equal(1, (await worker.StatusAsync()).Compiles);
    }

    [Fact]
    public async Task Push_WrongHash_IsInvalidArgumentAndStoresNothing()
    {
        await using var worker = await TestWorker.StartAsync();
        var guest = Guest.FromWat(Wat.Hello);
        var other = Guest.FromWat(Wat.Unreachable);

        var ex = await RpcAssert.FailsAsync(
            () => TestWorker.PushAsync(worker.Client, other.Sha256, guest.Bytes, guest.Bytes.Length),
            StatusCode.InvalidArgument, RefusalReason.InvalidArgument);
        Assert.Contains(guest.Sha256, ex.Status.Detail, StringComparison.Ordinal);

        var status = await worker.StatusAsync();
        Assert.Empty(status.Modules);
        Assert.Equal(0, status.Compiles);
        Assert.Empty(Directory.GetFiles(worker.CacheDir, "*.cwasm", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Push_AnnouncedSizeOverTheCap_IsRefusedBeforeAnyByte()
    {
        await using var worker = await TestWorker.StartAsync(settings: new Dictionary<string, string?> { ["MaxModuleBytes"] = "4096" });
        var guest = Guest.FromBytes(Wat.WithData(10_000));

        var ex = await RpcAssert.FailsAsync(
            () => TestWorker.PushAsync(worker.Client, guest.Sha256, guest.Bytes, guest.Bytes.Length),
            StatusCode.ResourceExhausted, RefusalReason.PayloadTooLarge);
        Assert.Contains("Platform:MaxModuleBytes", ex.Status.Detail, StringComparison.Ordinal);
        Assert.Empty((await worker.StatusAsync()).Modules);
    }

    [Fact]
    public async Task Push_MoreBytesThanTheCapWithoutAnnouncedSize_IsRefused()
    {
        await using var worker = await TestWorker.StartAsync(settings: new Dictionary<string, string?> { ["MaxModuleBytes"] = "4096" });
        var guest = Guest.FromBytes(Wat.WithData(10_000));

        await RpcAssert.FailsAsync(
            () => TestWorker.PushAsync(worker.Client, guest.Sha256, guest.Bytes, announcedSize: 0, chunkBytes: 1024),
            StatusCode.ResourceExhausted, RefusalReason.PayloadTooLarge);
        var status = await worker.StatusAsync();
        Assert.Empty(status.Modules);
        Assert.Equal(0, status.Compiles);
    }

    [Fact]
    public async Task Push_SizeDifferentFromHeader_IsInvalidArgument()
    {
        await using var worker = await TestWorker.StartAsync();
        var guest = Guest.FromWat(Wat.Hello);

        await RpcAssert.FailsAsync(
            () => TestWorker.PushAsync(worker.Client, guest.Sha256, guest.Bytes, guest.Bytes.Length + 10),
            StatusCode.InvalidArgument, RefusalReason.InvalidArgument);
        Assert.Empty((await worker.StatusAsync()).Modules);
    }

    [Fact]
    public async Task Push_BytesThatAreNotAModule_IsInvalidModule()
    {
        await using var worker = await TestWorker.StartAsync();
        var garbage = Guest.FromBytes("this is not WebAssembly"u8.ToArray());

        await RpcAssert.FailsAsync(() => worker.PushAsync(garbage), StatusCode.InvalidArgument, RefusalReason.InvalidModule);
        Assert.Empty((await worker.StatusAsync()).Modules);
    }

    [Fact]
    public async Task Push_LargeModuleInManyChunks_IsStoredAndRuns()
    {
        // 5 MiB: more than Kestrel's default body limit would let through a unary call, and than
        // one gRPC message may carry by default.
        await using var worker = await TestWorker.StartAsync(configure: b => b.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = 1 << 20));
        var guest = Guest.FromBytes(Wat.WithData(5 << 20));

        var pushed = await worker.PushAsync(guest, chunkBytes: 64 * 1024);

        Assert.True(pushed.Compiled);
        Assert.Equal(InvocationOutcome.Ok, (await worker.InvokeAsync(guest)).Outcome);
    }
}
