using Microsoft.Extensions.Options;
using Platform.Contracts.V1;

namespace Platform.Worker.Tests;

public sealed class HostingTests
{
    [Fact]
    public async Task Start_WithoutClusterToken_RefusesNamingTheKey()
    {
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            TestWorker.StartAsync(settings: new Dictionary<string, string?> { ["ClusterToken"] = null }));

        Assert.Contains("Platform:ClusterToken", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("CHANGE-ME-cluster-token-placeholder-0000")]
    [InlineData("change-me-cluster-token-0123456789")]
    [InlineData("0123456789abcdef0123456789abcde")]
    public async Task Start_PlaceholderOrShortClusterToken_RefusesNamingTheKeyAndTheFix(string token)
    {
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            TestWorker.StartAsync(settings: new Dictionary<string, string?> { ["ClusterToken"] = token }));

        Assert.Contains("Platform:ClusterToken", ex.Message, StringComparison.Ordinal);
        Assert.Contains("openssl rand -hex 32", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("WorkerUrl", "https://127.0.0.1:0", "Platform:WorkerUrl")]
    [InlineData("ControlPlaneUrl", "not a url", "Platform:ControlPlaneUrl")]
    [InlineData("MaxConcurrentInvocations", "0", "Platform:MaxConcurrentInvocations")]
    [InlineData("WorkerId", "no spaces please", "Platform:WorkerId")]
    public async Task Start_InvalidSetting_RefusesNamingTheKey(string key, string value, string named)
    {
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            TestWorker.StartAsync(settings: new Dictionary<string, string?> { [key] = value }));

        Assert.Contains(named, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_SecondWorkerOnTheSameCacheDir_IsRefused()
    {
        await using var first = await TestWorker.StartAsync();

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => TestWorker.StartAsync(cacheDir: first.CacheDir));

        Assert.Contains("Platform:CacheDir", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TwoWorkersInOneProcess_ShareTheEngine_EachWithItsOwnIdAndCache()
    {
        await using var controlPlane = await FakeControlPlane.StartAsync();
        await using var a = await TestWorker.StartAsync(controlPlane.Url);
        await using var b = await TestWorker.StartAsync(controlPlane.Url);
        var guest = Guest.FromWat(Wat.Hello);

        await a.PushAsync(guest);
        var statusA = await a.StatusAsync();
        var statusB = await b.StatusAsync();

        Assert.NotEqual(statusA.WorkerId, statusB.WorkerId);
        Assert.Equal([guest.Sha256], statusA.Modules);
        Assert.Empty(statusB.Modules);
        Assert.Same(a.Services.GetService(typeof(Platform.Runtime.WasmEngine)), b.Services.GetService(typeof(Platform.Runtime.WasmEngine)));
        await Eventually.WaitForAsync(() => controlPlane.State.Registrations.Count == 2, TimeSpan.FromSeconds(15), "both registrations");
        Assert.Equal(
            new[] { statusA.WorkerId, statusB.WorkerId }.Order(),
            controlPlane.State.Registrations.Select(r => r.WorkerId).Order());
    }

    [Fact]
    public async Task Start_MoreConcurrentInvocationsThanTheSandboxPool_RefusesNamingBothKeys()
    {
        var tooMany = (SharedEngine.Instance.Options.PoolingMaxInstances + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            TestWorker.StartAsync(settings: new Dictionary<string, string?> { ["MaxConcurrentInvocations"] = tooMany }));

        Assert.Contains("Platform:MaxConcurrentInvocations", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Platform:Runtime:PoolingMaxInstances", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TwoWorkersInOneProcess_ConcurrentLoadOnTheSharedPool_EveryCallSucceeds()
    {
        await using var a = await TestWorker.StartAsync(settings: new Dictionary<string, string?> { ["MaxConcurrentInvocations"] = "2", ["QueueTimeout"] = "00:00:10" });
        await using var b = await TestWorker.StartAsync(settings: new Dictionary<string, string?> { ["MaxConcurrentInvocations"] = "2", ["QueueTimeout"] = "00:00:10" });
        var hello = Guest.FromWat(Wat.Hello);
        var trap = Guest.FromWat(Wat.Unreachable);
        foreach (var worker in new[] { a, b })
        {
            await worker.PushAsync(hello);
            await worker.PushAsync(trap);
        }

        var calls = Enumerable.Range(0, 64).Select(i => (i % 2 == 0 ? a : b).InvokeAsync(i % 8 == 7 ? trap : hello)).ToList();
        var results = await Task.WhenAll(calls);

        Assert.Equal(56, results.Count(r => r.Outcome == InvocationOutcome.Ok && r.Output.ToStringUtf8() == "hello"));
        Assert.Equal(8, results.Count(r => r.Outcome == InvocationOutcome.Trap));
        Assert.Same(a.Services.GetService(typeof(Platform.Runtime.WasmEngine)), b.Services.GetService(typeof(Platform.Runtime.WasmEngine)));
    }

    [Fact]
    public async Task Status_ReportsCapacityAndInFlight()
    {
        await using var worker = await TestWorker.StartAsync(settings: new Dictionary<string, string?> { ["MaxConcurrentInvocations"] = "5" });

        var status = await worker.StatusAsync();

        Assert.Equal(5, status.Capacity);
        Assert.Equal(0, status.InFlight);
        Assert.Empty(status.Modules);
        Assert.Equal(new WorkerStatus { WorkerId = status.WorkerId, Capacity = 5 }, status);
    }
}
