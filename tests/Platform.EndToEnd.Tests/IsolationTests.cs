using System.Net;
using System.Text.Json.Nodes;
using Grpc.Core;

namespace Platform.EndToEnd.Tests;

/// <summary>Another tenant's function is indistinguishable from one that does not exist.</summary>
[Collection(ClusterCollection.Name)]
public sealed class IsolationTests(EndToEndEnvironment environment)
{
    [Fact]
    public async Task Invoke_AnotherTenantsFunction_NotFoundExactlyLikeANonexistentOne()
    {
        var cluster = await environment.SharedClusterAsync();
        var (owner, ownerKey) = await cluster.CreateTenantAsync();
        var (_, otherKey) = await cluster.CreateTenantAsync();
        await cluster.DeployWatAsync(ownerKey, "secret", GuestWat.Writes($"{owner} secret"));
        await SetAliasAsync(cluster, ownerKey);
        (await cluster.InvokeAsync(ownerKey, "secret")).AssertOk($"{owner} secret", version: 1);

        foreach (var (existing, absent) in new[] { ("secret", "nosuch"), ("secret@1", "nosuch@1"), ("secret@prod", "nosuch@prod"), ("secret@latest", "nosuch@latest") })
        {
            var theirs = await cluster.InvokeAsync(otherKey, existing, "x");
            var none = await cluster.InvokeAsync(otherKey, absent, "x");
            var theirsProblem = theirs.AssertPlatformError(HttpStatusCode.NotFound, "NOT_FOUND");
            var noneProblem = none.AssertPlatformError(HttpStatusCode.NotFound, "NOT_FOUND");
            Assert.Equal(Normalize(noneProblem, "nosuch"), Normalize(theirsProblem, "secret"));
            Assert.Equal(none.Headers.Keys.Order(), theirs.Headers.Keys.Order());

            var name = existing.Split('@')[0];
            var reference = existing.Contains('@', StringComparison.Ordinal) ? existing.Split('@')[1] : "";
            var (_, theirsError) = await cluster.GrpcInvokeAsync(otherKey, name, reference, "x");
            var (_, noneError) = await cluster.GrpcInvokeAsync(otherKey, "nosuch", reference, "x");
            var theirsInfo = RpcAssert.Failed(theirsError, StatusCode.NotFound, "NOT_FOUND");
            var noneInfo = RpcAssert.Failed(noneError, StatusCode.NotFound, "NOT_FOUND");
            Assert.Equal(noneError!.Status.Detail, theirsError!.Status.Detail.Replace("secret", "nosuch", StringComparison.Ordinal));
            Assert.Equal(noneInfo.Metadata.OrderBy(m => m.Key), theirsInfo.Metadata.OrderBy(m => m.Key));
        }

        // The owner still sees and runs it.
        (await cluster.InvokeAsync(ownerKey, "secret@prod")).AssertOk($"{owner} secret", version: 1);
    }

    private static async Task SetAliasAsync(TestCluster cluster, string key)
    {
        using var client = cluster.Client(key);
        using var response = await client.PutAsync("/v1/functions/secret/aliases/prod", new StringContent("""{"version":1}""", System.Text.Encoding.UTF8, "application/json")).Within();
        await ApiCalls.ReadJsonAsync(response, HttpStatusCode.OK);
    }

    /// <summary>The problem with the name swapped for a placeholder and the per-request members (trace id) dropped.</summary>
    private static string Normalize(JsonObject problem, string name)
    {
        var copy = JsonNode.Parse(problem.ToJsonString())!.AsObject();
        copy.Remove("traceId");
        foreach (var member in new[] { "detail", "instance" })
        {
            if (copy[member] is JsonValue value)
                copy[member] = value.GetValue<string>().Replace(name, "NAME", StringComparison.Ordinal);
        }

        return string.Join(",", copy.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value?.ToJsonString()}"));
    }
}
