using System.Net;
using System.Net.Http.Headers;
using Grpc.Core;
using V1 = Platform.Contracts.V1;

namespace Platform.ControlPlane.Tests;

public sealed class AuthenticationTests(PostgresFixture postgres) : ControlPlaneTest(postgres)
{
    public static TheoryData<string, string> AdminRoutes => new()
    {
        { "POST", "/v1/tenants" },
        { "GET", "/v1/tenants" },
        { "GET", "/v1/tenants/acme" },
        { "PUT", "/v1/tenants/acme/quotas" },
        { "DELETE", "/v1/tenants/acme" },
        { "POST", "/v1/tenants/acme/keys" },
        { "GET", "/v1/tenants/acme/keys" },
        { "DELETE", "/v1/tenants/acme/keys/00000000-0000-0000-0000-000000000001" },
    };

    public static TheoryData<string, string> TenantRoutes => new()
    {
        { "PUT", "/v1/functions/fn" },
        { "GET", "/v1/functions" },
        { "GET", "/v1/functions/fn" },
        { "GET", "/v1/functions/fn/versions/1/module" },
        { "PUT", "/v1/functions/fn/aliases/prod" },
        { "DELETE", "/v1/functions/fn" },
    };

    [Theory]
    [MemberData(nameof(AdminRoutes))]
    [MemberData(nameof(TenantRoutes))]
    public async Task AnyRoute_NoOrWrongKey_Returns401WithChallenge(string method, string path)
    {
        foreach (var authorization in new[] { null, "Bearer pk_not-a-real-key", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer test-admin-key-0123456789abcdeX" })
        {
            using var client = Host.CreateClient();
            using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = Json("{}") };
            if (authorization is not null)
                request.Headers.TryAddWithoutValidation("Authorization", authorization);
            using var response = await client.SendAsync(request).Within();
            await AssertProblemAsync(response, HttpStatusCode.Unauthorized, "UNAUTHENTICATED");
            Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        }
    }

    [Theory]
    [MemberData(nameof(AdminRoutes))]
    public async Task AdminRoute_TenantKey_Returns403(string method, string path)
    {
        var (_, key) = await CreateTenantAsync("acme");
        using var client = Host.CreateClient(key);
        using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = Json("{}") };
        using var response = await client.SendAsync(request).Within();
        await AssertProblemAsync(response, HttpStatusCode.Forbidden, "FORBIDDEN");
        using var still = await Admin.GetAsync("/v1/tenants/acme").Within();
        Assert.Equal(HttpStatusCode.OK, still.StatusCode);
    }

    [Theory]
    [MemberData(nameof(TenantRoutes))]
    public async Task TenantRoute_AdminKey_Returns403(string method, string path)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = Json("{}") };
        using var response = await Admin.SendAsync(request).Within();
        await AssertProblemAsync(response, HttpStatusCode.Forbidden, "FORBIDDEN");
    }

    [Fact]
    public async Task RevokedKey_StopsWorkingImmediately_OtherKeysUnaffected()
    {
        var (name, first) = await CreateTenantAsync();
        using var created = await Admin.PostAsync($"/v1/tenants/{name}/keys", null).Within();
        var second = await ReadJsonAsync(created, HttpStatusCode.Created);
        var secondKey = second["apiKey"]!.GetValue<string>();
        using var client = Host.CreateClient(secondKey);
        var grpc = new V1.FunctionService.FunctionServiceClient(Host.Channel);

        // Warm: the key works on both edges.
        using (var ok = await client.GetAsync("/v1/functions").Within())
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        await grpc.ListFunctionsAsync(new V1.ListFunctionsRequest(), PlatformTestHost.Bearer(secondKey)).ResponseAsync.Within();

        using var revoke = await Admin.DeleteAsync($"/v1/tenants/{name}/keys/{second["id"]!.GetValue<string>()}").Within();
        Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);

        using (var denied = await client.GetAsync("/v1/functions").Within())
            await AssertProblemAsync(denied, HttpStatusCode.Unauthorized, "UNAUTHENTICATED");
        using (var deniedDeploy = await client.PutAsync("/v1/functions/fn", Wat(Modules.Hello)).Within())
            await AssertProblemAsync(deniedDeploy, HttpStatusCode.Unauthorized, "UNAUTHENTICATED");
        var rpc = await Assert.ThrowsAsync<RpcException>(() => grpc.ListFunctionsAsync(new V1.ListFunctionsRequest(), PlatformTestHost.Bearer(secondKey)).ResponseAsync.Within());
        Assert.Equal(StatusCode.Unauthenticated, rpc.StatusCode);

        using var other = Host.CreateClient(first);
        using var stillOk = await other.GetAsync("/v1/functions").Within();
        Assert.Equal(HttpStatusCode.OK, stillOk.StatusCode);
    }

    [Fact]
    public async Task BearerScheme_CaseInsensitive()
    {
        var (_, key) = await CreateTenantAsync();
        using var client = Host.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/functions");
        request.Headers.Authorization = new AuthenticationHeaderValue("bearer", key);
        using var response = await client.SendAsync(request).Within();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
