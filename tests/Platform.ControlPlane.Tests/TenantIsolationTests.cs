using System.Net;
using System.Text.Json.Nodes;
using Grpc.Core;
using V1 = Platform.Contracts.V1;

namespace Platform.ControlPlane.Tests;

/// <summary>Tenant B can neither see nor touch tenant A's functions: 404, the same as a function that does not exist.</summary>
public sealed class TenantIsolationTests(PostgresFixture postgres) : ControlPlaneTest(postgres)
{
    private async Task<(string KeyA, string KeyB, JsonObject DeployedByA)> TwoTenantsAsync()
    {
        var (_, keyA) = await CreateTenantAsync("tenant-a");
        var (_, keyB) = await CreateTenantAsync("tenant-b");
        var deployed = await DeployAsync(keyA, "secret");
        using var clientA = Host.CreateClient(keyA);
        using var alias = await clientA.PutAsync("/v1/functions/secret/aliases/prod", Json(new { version = 1 })).Within();
        await ReadJsonAsync(alias, HttpStatusCode.OK);
        return (keyA, keyB, deployed);
    }

    public static TheoryData<string, string, string?> ForeignRoutes => new()
    {
        { "GET", "/v1/functions/{0}", null },
        { "GET", "/v1/functions/{0}/versions/1/module", null },
        { "GET", "/v1/functions/{0}/versions/latest/module", null },
        { "GET", "/v1/functions/{0}/versions/prod/module", null },
        { "PUT", "/v1/functions/{0}/aliases/prod", """{"version":1}""" },
        { "DELETE", "/v1/functions/{0}", null },
    };

    [Theory]
    [MemberData(nameof(ForeignRoutes))]
    public async Task ForeignFunction_Returns404IdenticalToNonexistent(string method, string route, string? json)
    {
        var (keyA, keyB, _) = await TwoTenantsAsync();
        using var clientB = Host.CreateClient(keyB);

        var foreign = await SendAsync(clientB, method, string.Format(System.Globalization.CultureInfo.InvariantCulture, route, "secret"), json);
        var missing = await SendAsync(clientB, method, string.Format(System.Globalization.CultureInfo.InvariantCulture, route, "nothing"), json);
        Assert.Equal(HttpStatusCode.NotFound, foreign.Status);
        Assert.Equal(HttpStatusCode.NotFound, missing.Status);
        Assert.Equal(Normalize(missing.Problem, "nothing"), Normalize(foreign.Problem, "secret"));

        // A's function is untouched.
        using var clientA = Host.CreateClient(keyA);
        using var get = await clientA.GetAsync("/v1/functions/secret").Within();
        var body = await ReadJsonAsync(get, HttpStatusCode.OK);
        Assert.Equal(1, body["latestVersion"]!.GetValue<int>());
        Assert.Equal(1, body["aliases"]!["prod"]!.GetValue<int>());
    }

    [Fact]
    public async Task ForeignName_DeployCreatesOwnFunction_NeverOverwrites()
    {
        var (keyA, keyB, deployedByA) = await TwoTenantsAsync();
        var deployedByB = await DeployAsync(keyB, "secret", Modules.Other);
        Assert.Equal(1, deployedByB["version"]!.GetValue<int>());

        using var clientA = Host.CreateClient(keyA);
        using var getA = await clientA.GetAsync("/v1/functions/secret").Within();
        var a = await ReadJsonAsync(getA, HttpStatusCode.OK);
        Assert.Equal(1, a["latestVersion"]!.GetValue<int>());
        Assert.Equal(deployedByA["sha256"]!.GetValue<string>(), a["versions"]![0]!["sha256"]!.GetValue<string>());
        var bytesA = await clientA.GetByteArrayAsync("/v1/functions/secret/versions/latest/module").Within();
        Assert.Equal(deployedByA["sha256"]!.GetValue<string>(), Sha256Hex(bytesA));

        using var clientB = Host.CreateClient(keyB);
        using var deleteB = await clientB.DeleteAsync("/v1/functions/secret").Within();
        Assert.Equal(HttpStatusCode.NoContent, deleteB.StatusCode);
        using var stillA = await clientA.GetAsync("/v1/functions/secret").Within();
        Assert.Equal(HttpStatusCode.OK, stillA.StatusCode);
    }

    [Fact]
    public async Task ForeignFunction_NotListed()
    {
        var (_, keyB, _) = await TwoTenantsAsync();
        using var clientB = Host.CreateClient(keyB);
        using var list = await clientB.GetAsync("/v1/functions").Within();
        Assert.Empty((await ReadJsonAsync(list, HttpStatusCode.OK))["functions"]!.AsArray());
    }

    [Fact]
    public async Task ForeignFunction_OverGrpc_NotFoundLikeNonexistent()
    {
        var (_, keyB, _) = await TwoTenantsAsync();
        var client = new V1.FunctionService.FunctionServiceClient(Host.Channel);
        var options = PlatformTestHost.Bearer(keyB);

        var foreign = await Assert.ThrowsAsync<RpcException>(() => client.GetFunctionAsync(new V1.GetFunctionRequest { Name = "secret" }, options).ResponseAsync.Within());
        var missing = await Assert.ThrowsAsync<RpcException>(() => client.GetFunctionAsync(new V1.GetFunctionRequest { Name = "nothing" }, options).ResponseAsync.Within());
        Assert.Equal(StatusCode.NotFound, foreign.StatusCode);
        Assert.Equal(missing.Status.Detail.Replace("nothing", "NAME"), foreign.Status.Detail.Replace("secret", "NAME"));

        var download = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            using var call = client.DownloadModule(new V1.DownloadModuleRequest { Name = "secret", Version = "1" }, options);
            await call.ResponseStream.MoveNext(CancellationToken.None).Within();
        });
        Assert.Equal(StatusCode.NotFound, download.StatusCode);
        var alias = await Assert.ThrowsAsync<RpcException>(() => client.SetAliasAsync(new V1.SetAliasRequest { Name = "secret", Alias = "prod", Version = 1 }, options).ResponseAsync.Within());
        Assert.Equal(StatusCode.NotFound, alias.StatusCode);
        var delete = await Assert.ThrowsAsync<RpcException>(() => client.DeleteFunctionAsync(new V1.DeleteFunctionRequest { Name = "secret" }, options).ResponseAsync.Within());
        Assert.Equal(StatusCode.NotFound, delete.StatusCode);
        var list = await client.ListFunctionsAsync(new V1.ListFunctionsRequest(), options).ResponseAsync.Within();
        Assert.Empty(list.Functions);
    }

    private static async Task<(HttpStatusCode Status, JsonObject Problem)> SendAsync(HttpClient client, string method, string path, string? json)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (json is not null)
            request.Content = Json(json);
        using var response = await client.SendAsync(request).Within();
        var text = await response.Content.ReadAsStringAsync().Within();
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return (response.StatusCode, JsonNode.Parse(text)!.AsObject());
    }

    /// <summary>The problem without what legitimately differs: the name asked for, the path and the trace id.</summary>
    private static string Normalize(JsonObject problem, string name)
    {
        var copy = problem.DeepClone().AsObject();
        copy.Remove("traceId");
        copy.Remove("instance");
        copy["detail"] = copy["detail"]!.GetValue<string>().Replace($"'{name}'", "'NAME'", StringComparison.Ordinal);
        return copy.ToJsonString();
    }
}
