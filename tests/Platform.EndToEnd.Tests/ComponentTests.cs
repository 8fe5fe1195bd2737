using System.Net;
using System.Text;
using Grpc.Core;
using Platform.Testing;

namespace Platform.EndToEnd.Tests;

/// <summary>
/// Component functions through the whole platform on the shared cluster: upload (kind and world
/// in the version), invoke over REST and gRPC on real workers, and the HTTP trigger for both worlds.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ComponentTests(EndToEndEnvironment environment)
{
    private const string Public = """{"http": {"public": true}}""";

    private sealed record Setup(TestCluster Cluster, string Tenant, string Key);

    private async Task<Setup> SetupAsync()
    {
        var cluster = await environment.SharedClusterAsync();
        return await cluster.OnceAsync("components", async () =>
        {
            var (tenant, key) = await cluster.CreateTenantAsync();
            await Task.WhenAll(
                cluster.DeployAsync(key, "c-invoke", ApiCalls.ModuleForm(new StringContent(ComponentWat.Invoke, Encoding.UTF8, "text/plain"), "invoke.wat", Public)),
                cluster.DeployAsync(key, "c-http", ApiCalls.ModuleForm(new StringContent(ComponentWat.Http, Encoding.UTF8, "text/plain"), "http.wat", Public)));
            return new Setup(cluster, tenant, key);
        });
    }

    [Fact]
    public async Task Deploy_Component_VersionShowsKindAndWorld()
    {
        var s = await SetupAsync();

        var version = await s.Cluster.DeployWatAsync(s.Key, "c-shown", ComponentWat.Http);

        Assert.Equal("component", version["kind"]!.GetValue<string>());
        Assert.Equal("http", version["world"]!.GetValue<string>());
        using var client = s.Cluster.Client(s.Key);
        var details = System.Text.Json.Nodes.JsonNode.Parse(await client.GetStringAsync("/v1/functions/c-shown").Within())!;
        Assert.Equal("component", details["versions"]![0]!["kind"]!.GetValue<string>());
        Assert.Equal("http", details["versions"]![0]!["world"]!.GetValue<string>());
    }

    [Fact]
    public async Task Deploy_Module_VersionShowsKindModule()
    {
        var s = await SetupAsync();

        var version = await s.Cluster.DeployWatAsync(s.Key, "m-shown", GuestWat.Echo);

        Assert.Equal("module", version["kind"]!.GetValue<string>());
        Assert.Null(version["world"]);
    }

    [Theory]
    [InlineData("wasi:sockets/tcp@0.2.0")]
    [InlineData("acme:evil/backdoor")]
    public async Task Deploy_ComponentWithForbiddenImport_IsInvalidModuleNamingIt(string import)
    {
        var s = await SetupAsync();
        using var client = s.Cluster.Client(s.Key);

        using var response = await client.PutAsync("/v1/functions/c-evil", new StringContent(ComponentWat.Importing(import), Encoding.UTF8, "text/plain")).Within();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = System.Text.Json.Nodes.JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("INVALID_MODULE", problem["code"]!.GetValue<string>());
        Assert.Contains(import, problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invoke_InvokeComponentOverRest_ReturnsTheBody()
    {
        var s = await SetupAsync();

        var result = await s.Cluster.InvokeAsync(s.Key, "c-invoke", "over rest");

        result.AssertOk("over rest");
    }

    [Fact]
    public async Task Invoke_ComponentErrOverRest_IsFunctionError500WithTheMessage()
    {
        var s = await SetupAsync();

        var result = await s.Cluster.InvokeAsync(s.Key, "c-invoke", "r");

        Assert.Equal(HttpStatusCode.InternalServerError, result.Status);
        Assert.Equal("FUNCTION_ERROR", result.Outcome);
        Assert.Equal("FUNCTION_ERROR", result.Problem["code"]!.GetValue<string>());
        Assert.Contains("refused", result.Problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invoke_InvokeComponentOverGrpc_ReturnsTheBody()
    {
        var s = await SetupAsync();

        var (response, error) = await s.Cluster.GrpcInvokeAsync(s.Key, "c-invoke", input: "over grpc");

        Assert.Null(error);
        Assert.Equal("over grpc", response!.Output.ToStringUtf8());
    }

    [Fact]
    public async Task Invoke_ComponentErrOverGrpc_IsAbortedWithFunctionError()
    {
        var s = await SetupAsync();

        var (_, error) = await s.Cluster.GrpcInvokeAsync(s.Key, "c-invoke", input: "r");

        RpcAssert.Failed(error, StatusCode.Aborted, "FUNCTION_ERROR");
    }

    [Fact]
    public async Task Invoke_HttpComponentOverGrpc_ReturnsTheResponseBody()
    {
        var s = await SetupAsync();

        var (response, error) = await s.Cluster.GrpcInvokeAsync(s.Key, "c-http", input: "by name");

        Assert.Null(error);
        Assert.Equal("by name", response!.Output.ToStringUtf8());
    }

    [Fact]
    public async Task Http_HttpComponent_AnswersWithItsStatusHeadersAndBody()
    {
        var s = await SetupAsync();

        var answer = await HttpTriggerClient.PostAsync(s.Cluster.ControlPlane.RestUri, $"/fn/{s.Tenant}/c-http/items/7?x=1", "hello http");

        Assert.Equal(HttpStatusCode.Accepted, answer.Status);
        Assert.Equal("/items/7", answer.Header("x-path"));
        Assert.Equal("hello http", answer.Text);
        _ = answer.InvocationId;
    }

    [Fact]
    public async Task Http_InvokeComponent_ItsBodyIsReadAsACgiResponse()
    {
        var s = await SetupAsync();

        var answer = await HttpTriggerClient.PostAsync(s.Cluster.ControlPlane.RestUri, $"/fn/{s.Tenant}/c-invoke/", "Content-Type: text/plain\nX-From: invoke\n\nplain body");

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal("invoke", answer.Header("X-From"));
        Assert.Equal("plain body", answer.Text);
    }

    [Fact]
    public async Task Http_InvokeComponentWhoseBodyIsNotCgi_IsInvalidResponse()
    {
        var s = await SetupAsync();

        var answer = await HttpTriggerClient.PostAsync(s.Cluster.ControlPlane.RestUri, $"/fn/{s.Tenant}/c-invoke/", "no header block");

        answer.AssertProblem(HttpStatusCode.BadGateway, "INVALID_RESPONSE");
    }
}
