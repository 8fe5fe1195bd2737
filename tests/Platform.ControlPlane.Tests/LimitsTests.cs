using System.Diagnostics;
using System.Net;
using Google.Rpc;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Platform.ControlPlane.Errors;
using Platform.ControlPlane.Limits;
using Platform.ControlPlane.Quotas;
using V1 = Platform.Contracts.V1;

namespace Platform.ControlPlane.Tests;

/// <summary>Per-tenant rate (token bucket) and concurrency limits on the invoke path.</summary>
[Collection(PostgresCollection.Name)]
public sealed class LimitsTests(PostgresFixture postgres)
{
    /// <summary>Spins until its timeout (fuel is ample).</summary>
    internal const string Spin = """(module (memory (export "memory") 1) (func (export "_start") (loop $l (br $l))))""";

    internal const string SpinConfig = """{"fuel":1000000000000,"timeoutMs":2000}""";

    private static readonly object SpinQuotas = new { maxFuel = 1_000_000_000_000L };

    [Fact]
    public void TenantLimits_RefillFollowsTimeProvider()
    {
        var clock = new FakeTimeProvider();
        using var limits = new TenantLimits(clock);
        var tenant = Guid.NewGuid();
        var quotas = Quotas(rate: 10, burst: 2, concurrency: 100);

        Assert.Equal([true, true, false], Enumerable.Range(0, 3).Select(_ => TryAcquire(limits, tenant, quotas)).ToArray());
        clock.Advance(TimeSpan.FromMilliseconds(99));
        Assert.False(TryAcquire(limits, tenant, quotas));
        clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(TryAcquire(limits, tenant, quotas));
        Assert.False(TryAcquire(limits, tenant, quotas));
        clock.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal([true, true, false], Enumerable.Range(0, 3).Select(_ => TryAcquire(limits, tenant, quotas)).ToArray());
    }

    [Fact]
    public void TenantLimits_ConcurrencyReleasedOnDispose_AndQuotaChangeRebuilds()
    {
        using var limits = new TenantLimits(new FakeTimeProvider());
        var tenant = Guid.NewGuid();
        var quotas = Quotas(rate: 1000, burst: 1000, concurrency: 2);
        var first = limits.Acquire(tenant, quotas);
        var second = limits.Acquire(tenant, quotas);
        var refused = Assert.Throws<PlatformException>(() => limits.Acquire(tenant, quotas));
        Assert.Equal(ErrorCode.ConcurrencyLimited, refused.Code);
        first.Dispose();
        limits.Acquire(tenant, quotas).Dispose();

        var raised = quotas with { MaxConcurrency = 3 };
        using var a = limits.Acquire(tenant, raised);
        using var b = limits.Acquire(tenant, raised);
        using var c = limits.Acquire(tenant, raised);
        Assert.Equal(ErrorCode.ConcurrencyLimited, Assert.Throws<PlatformException>(() => limits.Acquire(tenant, raised)).Code);
        second.Dispose();
    }

    [Fact]
    public async Task Invoke_BurstBeyondRate_ExcessRateLimited_OtherTenantSucceeds()
    {
        await using var database = await postgres.CreateDatabaseAsync().Within();
        var clock = new FakeTimeProvider();
        await using var cluster = await InvokeCluster.StartAsync(database.ConnectionString, configure: b => b.Services.AddSingleton(new TenantLimits(clock)));
        var (limitedName, limited) = await cluster.CreateTenantAsync(new { invocationsPerSecond = 1, burst = 3, maxConcurrency = 100 });
        var (_, other) = await cluster.CreateTenantAsync();
        await cluster.DeployAsync(limited, "hello", Modules.Hello);
        await cluster.DeployAsync(other, "hello", Modules.Hello);

        var results = new List<InvokeCluster.Invoked>();
        for (var i = 0; i < 6; i++)
        {
            results.Add(await cluster.InvokeAsync(limited, "hello"));
            var neighbour = await cluster.InvokeAsync(other, "hello");
            Assert.Equal(HttpStatusCode.OK, neighbour.Status);
        }

        Assert.Equal(new string?[] { "OK", "OK", "OK", "RATE_LIMITED", "RATE_LIMITED", "RATE_LIMITED" }, results.Select(r => r.Code).ToArray());
        Assert.All(results.Skip(3), r =>
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, r.Status);
            Assert.Equal(TimeSpan.FromSeconds(1), r.RetryAfter);
        });

        // gRPC: RESOURCE_EXHAUSTED with reason RATE_LIMITED and a RetryInfo.
        var grpc = new V1.InvocationService.InvocationServiceClient(cluster.ControlPlane.Channel);
        var ex = await Assert.ThrowsAsync<RpcException>(() => grpc.InvokeAsync(new V1.InvokeRequest { Function = "hello" }, PlatformTestHost.Bearer(limited)).ResponseAsync.Within());
        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
        Assert.Equal("RATE_LIMITED", ex.GetRpcStatus()?.GetDetail<ErrorInfo>()?.Reason);
        Assert.Equal(TimeSpan.FromSeconds(1), ex.GetRpcStatus()?.GetDetail<RetryInfo>()?.RetryDelay.ToTimeSpan());

        // One second of (fake) time refills one token.
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal("OK", (await cluster.InvokeAsync(limited, "hello")).Code);
        Assert.Equal("RATE_LIMITED", (await cluster.InvokeAsync(limited, "hello")).Code);

        // Raising the quota applies to the next call, without a restart (the rebuilt bucket starts full).
        await cluster.SetQuotasAsync(limitedName, new { invocationsPerSecond = 1, burst = 5, maxConcurrency = 100 });
        var raised = new List<string?>();
        for (var i = 0; i < 6; i++)
            raised.Add((await cluster.InvokeAsync(limited, "hello")).Code);
        Assert.Equal(new string?[] { "OK", "OK", "OK", "OK", "OK", "RATE_LIMITED" }, raised.ToArray());

        // Lowering it too.
        await cluster.SetQuotasAsync(limitedName, new { invocationsPerSecond = 1, burst = 1, maxConcurrency = 100 });
        Assert.Equal("OK", (await cluster.InvokeAsync(limited, "hello")).Code);
        Assert.Equal("RATE_LIMITED", (await cluster.InvokeAsync(limited, "hello")).Code);
    }

    [Fact]
    public async Task Invoke_BeyondMaxConcurrency_ConcurrencyLimited_ReleasedAfterFailures()
    {
        await using var database = await postgres.CreateDatabaseAsync().Within();
        await using var cluster = await InvokeCluster.StartAsync(database.ConnectionString);
        var (name, key) = await cluster.CreateTenantAsync(new { maxFuel = 1_000_000_000_000L, maxConcurrency = 2 });
        var (_, other) = await cluster.CreateTenantAsync(SpinQuotas);
        await cluster.DeployAsync(key, "spin", Spin, SpinConfig);
        await cluster.DeployAsync(key, "hello", Modules.Hello);
        await cluster.DeployAsync(other, "spin", Spin, SpinConfig);
        Assert.Equal("OK", (await cluster.InvokeAsync(key, "hello")).Code); // module compiled and cached on the worker

        var slow = new[] { cluster.InvokeAsync(key, "spin"), cluster.InvokeAsync(key, "spin") };
        await cluster.WaitUntilRunningAsync(2);
        var refused = await cluster.InvokeAsync(key, "hello");
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.Status);
        Assert.Equal("CONCURRENCY_LIMITED", refused.Code);
        // CONCURRENCY_LIMITED itself says the call did not wait for a slot (a waiting call would have run once one freed);
        // how fast the refusal travels back depends on the machine's load, so it is not timed.

        // Another tenant is not affected: its slow call runs meanwhile.
        var neighbour = cluster.InvokeAsync(other, "spin");

        var ended = await Task.WhenAll(slow).Within();
        Assert.All(ended, r => Assert.Equal("TIMEOUT", r.Code));
        Assert.Equal("TIMEOUT", (await neighbour.Within()).Code);
        // The failed calls released their slots.
        Assert.Equal("OK", (await cluster.InvokeAsync(key, "hello")).Code);

        // Lowering maxConcurrency to 1 at run time: one slow call holds the only slot.
        await cluster.SetQuotasAsync(name, new { maxFuel = 1_000_000_000_000L, maxConcurrency = 1 });
        var one = cluster.InvokeAsync(key, "spin");
        await cluster.WaitUntilRunningAsync(1);
        Assert.Equal("CONCURRENCY_LIMITED", (await cluster.InvokeAsync(key, "hello")).Code);
        Assert.Equal("TIMEOUT", (await one.Within()).Code);
        Assert.Equal("OK", (await cluster.InvokeAsync(key, "hello")).Code);
    }

    [Fact]
    public async Task DeleteTenant_FreesItsInvocationAndManagementBuckets_KeepsOthers()
    {
        await using var database = await postgres.CreateDatabaseAsync().Within();
        await using var cluster = await InvokeCluster.StartAsync(database.ConnectionString);
        var (name, key) = await cluster.CreateTenantAsync();
        var (neighbourName, neighbour) = await cluster.CreateTenantAsync();
        foreach (var tenantKey in new[] { key, neighbour })
        {
            await cluster.DeployAsync(tenantKey, "hello", Modules.Hello); // a management call
            Assert.Equal("OK", (await cluster.InvokeAsync(tenantKey, "hello")).Code);
        }

        var services = cluster.ControlPlane.Services;
        var directory = services.GetRequiredService<Tenants.ITenantDirectory>();
        var id = await directory.FindIdAsync(name, CancellationToken.None).Within() ?? throw new InvalidOperationException("the tenant was just created");
        var neighbourId = await directory.FindIdAsync(neighbourName, CancellationToken.None).Within() ?? throw new InvalidOperationException("the tenant was just created");
        var invocations = services.GetRequiredService<TenantLimits>();
        var management = services.GetRequiredService<ManagementLimits>();
        Assert.True(invocations.Holds(id));
        Assert.True(management.Holds(id));

        using (var deleted = await cluster.Admin.DeleteAsync($"/v1/tenants/{name}").Within())
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);

        Assert.False(invocations.Holds(id));
        Assert.False(management.Holds(id));
        Assert.True(invocations.Holds(neighbourId));
        Assert.True(management.Holds(neighbourId));
    }

    private static bool TryAcquire(TenantLimits limits, Guid tenant, EffectiveQuotas quotas)
    {
        try
        {
            limits.Acquire(tenant, quotas).Dispose();
            return true;
        }
        catch (PlatformException ex) when (ex.Code == ErrorCode.RateLimited)
        {
            return false;
        }
    }

    private static EffectiveQuotas Quotas(int rate, int burst, int concurrency) =>
        new QuotaSet(InvocationsPerSecond: rate, Burst: burst, MaxConcurrency: concurrency).Over(new QuotaDefaults().ToEffective());
}
