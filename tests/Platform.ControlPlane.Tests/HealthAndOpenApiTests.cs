using System.Net;
using System.Text.Json.Nodes;

namespace Platform.ControlPlane.Tests;

public sealed class HealthAndOpenApiTests(PostgresFixture postgres) : ControlPlaneTest(postgres)
{
    [Fact]
    public async Task Healthz_Always_Returns200Healthy()
    {
        using var client = Host.CreateClient();
        using var response = await client.GetAsync("/healthz").Within();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync().Within());
    }

    [Fact]
    public async Task Readyz_DatabaseReachable_Returns200Healthy()
    {
        using var client = Host.CreateClient();
        using var response = await client.GetAsync("/readyz").Within();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync().Within());
    }

    [Fact]
    public async Task OpenApi_Served_DescribesEveryRoute()
    {
        using var client = Host.CreateClient();
        using var response = await client.GetAsync("/openapi/v1.json").Within();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var document = JsonNode.Parse(await response.Content.ReadAsStringAsync().Within())!.AsObject();
        Assert.StartsWith("3.", document["openapi"]!.GetValue<string>());
        var paths = document["paths"]!.AsObject();
        foreach (var path in new[]
        {
            "/v1/tenants", "/v1/tenants/{tenant}", "/v1/tenants/{tenant}/quotas", "/v1/tenants/{tenant}/keys",
            "/v1/tenants/{tenant}/keys/{id}", "/v1/functions", "/v1/functions/{name}",
            "/v1/functions/{name}/versions/{version}/module", "/v1/functions/{name}/aliases/{alias}",
        })
        {
            Assert.True(paths.ContainsKey(path), $"OpenAPI document lacks {path}");
        }

        Assert.NotNull(paths["/v1/functions/{name}"]!["put"]);
        Assert.NotNull(paths["/v1/functions/{name}"]!["delete"]);
    }

    [Fact]
    public async Task UnknownRoute_Returns404Problem()
    {
        using var client = Host.CreateClient();
        using var response = await client.GetAsync("/v1/nothing-here").Within();
        await AssertProblemAsync(response, HttpStatusCode.NotFound, "NOT_FOUND");
    }

    [Fact]
    public async Task WrongMethod_ReturnsProblemNotEmptyBody()
    {
        // The gRPC catch-all routes make routing answer 404 rather than 405 here; either way a problem document.
        using var response = await Admin.DeleteAsync("/v1/tenants").Within();
        Assert.True(response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed, response.StatusCode.ToString());
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task RestRoute_OnGrpcListener_Returns404()
    {
        using var client = new HttpClient { BaseAddress = Host.GrpcUri, DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact, Timeout = TestTimeouts.Default };
        client.DefaultRequestHeaders.Authorization = new("Bearer", Host.AdminKey);
        using var response = await client.GetAsync("/v1/tenants").Within();
        await AssertProblemAsync(response, HttpStatusCode.NotFound, "NOT_FOUND");
    }
}
