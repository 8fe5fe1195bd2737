using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Grpc.Core;
using Platform.Contracts.V1;
using Xunit;

namespace Platform.Testing.Hosts;

/// <summary>
/// The public-API calls the in-process cluster tests share. Each takes the client to call with
/// (and so the key); one that expects a status fails the test with the body when another comes.
/// </summary>
public static class ApiCalls
{
    /// <summary><paramref name="prefix"/> and 12 random hex digits: tests on a shared cluster keep apart.</summary>
    public static string UniqueName(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];

    /// <summary>POST /v1/tenants (with quota overrides): 201 expected; returns the tenant's name and first key.</summary>
    public static async Task<(string Name, string Key)> CreateTenantAsync(HttpClient admin, object? quotas = null, string? name = null)
    {
        name ??= UniqueName("tenant");
        using var response = await admin.PostAsJsonAsync("/v1/tenants", new { name, quotas }).Within();
        var body = await ReadJsonAsync(response, HttpStatusCode.Created);
        return (name, body["apiKey"]!.GetValue<string>());
    }

    /// <summary>A multipart upload: <paramref name="module"/> as <paramref name="fileName"/> and, when given, the function config.</summary>
    public static MultipartFormDataContent ModuleForm(HttpContent module, string fileName, string? configJson)
    {
        var form = new MultipartFormDataContent();
        form.Add(module, "module", fileName);
        if (configJson is not null)
            form.Add(new StringContent(configJson, Encoding.UTF8, "application/json"), "config");
        return form;
    }

    /// <summary>PUT /v1/functions/{name}: 201 expected; returns the version document.</summary>
    public static async Task<JsonObject> DeployAsync(HttpClient client, string name, HttpContent module, TimeSpan? timeout = null)
    {
        using var response = await client.PutAsync($"/v1/functions/{name}", module).Within(timeout);
        return await ReadJsonAsync(response, HttpStatusCode.Created);
    }

    /// <summary>POST /v1/functions/{target}/invoke with <paramref name="input"/> as the body; the caller reads and disposes the answer.</summary>
    public static async Task<HttpResponseMessage> InvokeAsync(HttpClient client, string target, byte[] input, TimeSpan? timeout = null)
    {
        using var content = new ByteArrayContent(input);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        return await client.PostAsync($"/v1/functions/{target}/invoke", content).Within(timeout);
    }

    /// <summary>The <c>code</c> of the problem document an answer carries (its <paramref name="body"/>); null when it carries none.</summary>
    public static string? ProblemCode(HttpResponseMessage response, string body) =>
        response.Content.Headers.ContentType?.MediaType == "application/problem+json"
            ? JsonNode.Parse(body)!["code"]?.GetValue<string>()
            : null;

    /// <summary>platform.v1.InvocationService/Invoke with <paramref name="key"/>; a failure comes back as the RpcException.</summary>
    public static async Task<(InvokeResponse? Response, RpcException? Error)> GrpcInvokeAsync(InvocationService.InvocationServiceClient invocations, string? key, InvokeRequest request, TimeSpan? timeout = null)
    {
        try
        {
            return (await invocations.InvokeAsync(request, PlatformTestHost.Bearer(key, timeout)).ResponseAsync.Within(timeout), null);
        }
        catch (RpcException ex)
        {
            return (null, ex);
        }
    }

    public static async Task<JsonObject> ReadJsonAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync().Within();
        Assert.True(response.StatusCode == expected, $"expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text)!.AsObject();
    }
}
