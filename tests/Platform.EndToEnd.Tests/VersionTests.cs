using System.Net;
using System.Net.Http.Json;
using System.Text;
using Grpc.Core;

namespace Platform.EndToEnd.Tests;

/// <summary>Versions pin module and configuration; `latest` and tenant aliases move.</summary>
[Collection(ClusterCollection.Name)]
public sealed class VersionTests(EndToEndEnvironment environment)
{
    [Fact]
    public async Task Invoke_VersionsAndAliases_RunThePinnedModule()
    {
        var cluster = await environment.SharedClusterAsync();
        var (tenant, key) = await cluster.CreateTenantAsync();
        var one = $"{tenant} says one";
        var two = $"{tenant} says two";

        var v1 = await cluster.DeployWatAsync(key, "greet", GuestWat.Writes(one));
        var v2 = await cluster.DeployWatAsync(key, "greet", GuestWat.Writes(two));
        Assert.Equal(1, v1["version"]!.GetValue<int>());
        Assert.Equal(2, v2["version"]!.GetValue<int>());
        Assert.NotEqual(v1["sha256"]!.GetValue<string>(), v2["sha256"]!.GetValue<string>());

        (await cluster.InvokeAsync(key, "greet")).AssertOk(two, version: 2);
        (await cluster.InvokeAsync(key, "greet@latest")).AssertOk(two, version: 2);
        (await cluster.InvokeAsync(key, "greet@1")).AssertOk(one, version: 1);
        (await cluster.InvokeAsync(key, "greet@2")).AssertOk(two, version: 2);

        await SetAliasAsync(cluster, key, "greet", "prod", 1);
        (await cluster.InvokeAsync(key, "greet@prod")).AssertOk(one, version: 1);
        await AssertGrpcAsync(cluster, key, "prod", one, 1);

        await SetAliasAsync(cluster, key, "greet", "prod", 2);
        (await cluster.InvokeAsync(key, "greet@prod")).AssertOk(two, version: 2);
        await AssertGrpcAsync(cluster, key, "prod", two, 2);
        await AssertGrpcAsync(cluster, key, "1", one, 1);
        await AssertGrpcAsync(cluster, key, "", two, 2);

        foreach (var missing in new[] { "greet@3", "greet@staging", "greet@99999" })
        {
            var rest = await cluster.InvokeAsync(key, missing);
            rest.AssertPlatformError(HttpStatusCode.NotFound, "NOT_FOUND");
            var (_, error) = await cluster.GrpcInvokeAsync(key, "greet", missing["greet@".Length..]);
            RpcAssert.Failed(error, StatusCode.NotFound, "NOT_FOUND");
        }

        // A third deploy moves latest, not prod.
        var three = $"{tenant} says three";
        await cluster.DeployWatAsync(key, "greet", GuestWat.Writes(three));
        (await cluster.InvokeAsync(key, "greet")).AssertOk(three, version: 3);
        (await cluster.InvokeAsync(key, "greet@prod")).AssertOk(two, version: 2);
    }

    private static async Task SetAliasAsync(TestCluster cluster, string key, string function, string alias, int version)
    {
        using var client = cluster.Client(key);
        using var response = await client.PutAsync($"/v1/functions/{function}/aliases/{alias}", new StringContent($$"""{"version": {{version}}}""", Encoding.UTF8, "application/json")).Within();
        var body = await ApiCalls.ReadJsonAsync(response, HttpStatusCode.OK);
        Assert.Equal(version, body["version"]!.GetValue<int>());
        Assert.Equal(alias, body["name"]!.GetValue<string>());

        var details = await client.GetFromJsonAsync<System.Text.Json.Nodes.JsonObject>($"/v1/functions/{function}").Within();
        Assert.Equal(version, details!["aliases"]![alias]!.GetValue<int>());
    }

    private static async Task AssertGrpcAsync(TestCluster cluster, string key, string reference, string output, int version)
    {
        var (response, error) = await cluster.GrpcInvokeAsync(key, "greet", reference);
        Assert.Null(error);
        Assert.Equal(output, response!.Output.ToStringUtf8());
        Assert.Equal(version, response.Version);
    }
}
