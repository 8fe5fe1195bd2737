using System.Net;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Platform.ControlPlane.Limits;
using V1 = Platform.Contracts.V1;

namespace Platform.ControlPlane.Tests;

/// <summary>A tenant key's management calls pass a per-tenant token bucket (managementCallsPerSecond, managementBurst).</summary>
[Collection(PostgresCollection.Name)]
public sealed class ManagementRateTests(PostgresFixture postgres)
{
    [Fact]
    public async Task ManagementCalls_BeyondBurst_RateLimitedWithRetryAfterUntilFakeTimeRefills()
    {
        await using var database = await postgres.CreateDatabaseAsync().Within();
        var clock = new FakeTimeProvider();
        await using var host = await PlatformTestHost.StartAsync(database.ConnectionString, configure: b => b.Services.AddSingleton(new ManagementLimits(clock))).Within(TimeSpan.FromSeconds(60));
        using var admin = host.CreateClient(host.AdminKey);
        var (_, limited) = await ApiCalls.CreateTenantAsync(admin, new { managementCallsPerSecond = 1, managementBurst = 2 });
        var (_, other) = await ApiCalls.CreateTenantAsync(admin, new { managementCallsPerSecond = 1, managementBurst = 2 });
        using var client = host.CreateClient(limited);
        using var neighbour = host.CreateClient(other);

        for (var i = 0; i < 2; i++)
        {
            using var ok = await client.GetAsync("/v1/functions").Within();
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        using (var refused = await client.PutAsync("/v1/functions/hello", new StringContent(Modules.Hello)).Within())
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
            Assert.Equal("1", refused.Headers.GetValues("Retry-After").Single());
            var body = await refused.Content.ReadAsStringAsync().Within();
            Assert.Contains("\"code\":\"RATE_LIMITED\"", body, StringComparison.Ordinal);
            Assert.Contains("management calls", body, StringComparison.Ordinal);
        }

        // The gRPC API draws from the same bucket.
        var functions = new V1.FunctionService.FunctionServiceClient(host.Channel);
        var grpc = await Assert.ThrowsAsync<RpcException>(() => functions.ListFunctionsAsync(new V1.ListFunctionsRequest(), PlatformTestHost.Bearer(limited)).ResponseAsync.Within());
        Assert.Equal(StatusCode.ResourceExhausted, grpc.StatusCode);
        Assert.Equal("RATE_LIMITED", GrpcApiTests.ErrorInfo(grpc).Reason);

        // Another tenant and the admin are not affected.
        using (var ok = await neighbour.GetAsync("/v1/functions").Within())
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        for (var i = 0; i < 5; i++)
        {
            using var ok = await admin.GetAsync("/v1/tenants").Within();
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        clock.Advance(TimeSpan.FromMilliseconds(999));
        using (var stillRefused = await client.GetAsync("/v1/usage").Within())
            Assert.Equal(HttpStatusCode.TooManyRequests, stillRefused.StatusCode);
        clock.Advance(TimeSpan.FromMilliseconds(1));
        using (var refilled = await client.GetAsync("/v1/functions").Within())
            Assert.Equal(HttpStatusCode.OK, refilled.StatusCode);
        using (var empty = await client.GetAsync("/v1/functions").Within())
            Assert.Equal(HttpStatusCode.TooManyRequests, empty.StatusCode);
    }

    [Fact]
    public void ManagementLimits_QuotaChange_RebuildsBucket()
    {
        var clock = new FakeTimeProvider();
        using var limits = new ManagementLimits(clock);
        var tenant = Guid.NewGuid();
        var quotas = new Quotas.QuotaSet(ManagementCallsPerSecond: 1, ManagementBurst: 1).Over(new Quotas.QuotaDefaults().ToEffective());
        limits.Acquire(tenant, quotas);
        var refused = Assert.Throws<Errors.PlatformException>(() => limits.Acquire(tenant, quotas));
        Assert.Equal(Errors.ErrorCode.RateLimited, refused.Code);
        Assert.Equal(TimeSpan.FromSeconds(1), refused.RetryAfter);
        limits.Acquire(tenant, quotas with { ManagementBurst = 3 });
    }
}
