using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Platform.ControlPlane.Tests;

/// <summary>
/// Base of the API tests: a fresh database and a real control-plane host per test, an admin
/// client, and helpers that assert on response bodies.
/// </summary>
[Collection(PostgresCollection.Name)]
public abstract class ControlPlaneTest(PostgresFixture postgres) : IAsyncLifetime
{
    protected PostgresFixture Postgres { get; } = postgres;

    protected TestDatabase Database { get; private set; } = null!;

    protected PlatformTestHost Host { get; private set; } = null!;

    protected HttpClient Admin { get; private set; } = null!;

    /// <summary>Extra host settings for the test class.</summary>
    protected virtual IReadOnlyDictionary<string, string?>? HostSettings => null;

    public async Task InitializeAsync()
    {
        Database = await Postgres.CreateDatabaseAsync().Within();
        Host = await PlatformTestHost.StartAsync(Database.ConnectionString, HostSettings).Within(TimeSpan.FromSeconds(60));
        Admin = Host.CreateClient(Host.AdminKey);
    }

    public async Task DisposeAsync()
    {
        Admin.Dispose();
        await Host.DisposeAsync();
        await Database.DisposeAsync();
    }

    protected static string UniqueName(string prefix = "t") => $"{prefix}-{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 13, 63)];

    /// <summary>Creates a tenant through the API; returns its name and first key.</summary>
    protected async Task<(string Name, string Key)> CreateTenantAsync(string? name = null, object? quotas = null)
    {
        name ??= UniqueName("tenant");
        using var response = await Admin.PostAsJsonAsync("/v1/tenants", new { name, quotas }).Within();
        var body = await ReadJsonAsync(response, HttpStatusCode.Created);
        return (name, body["apiKey"]!.GetValue<string>());
    }

    protected static HttpContent Wat(string text) => new StringContent(text, Encoding.UTF8, "text/plain");

    protected static HttpContent Wasm(byte[] bytes)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/wasm");
        return content;
    }

    protected static MultipartFormDataContent Multipart(string module, string? configJson)
    {
        var form = new MultipartFormDataContent();
        var modulePart = new StringContent(module, Encoding.UTF8, "text/plain");
        form.Add(modulePart, "module", "module.wat");
        if (configJson is not null)
            form.Add(new StringContent(configJson, Encoding.UTF8, "application/json"), "config");
        return form;
    }

    protected async Task<JsonObject> DeployAsync(string key, string name, string wat = Modules.Hello)
    {
        using var client = Host.CreateClient(key);
        using var response = await client.PutAsync($"/v1/functions/{name}", Wat(wat)).Within();
        return await ReadJsonAsync(response, HttpStatusCode.Created);
    }

    protected static async Task<JsonObject> ReadJsonAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync().Within();
        Assert.True(response.StatusCode == expected, $"expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return JsonNode.Parse(text)!.AsObject();
    }

    /// <summary>Asserts an RFC 9457 problem with the status, code and (if given) field; returns it.</summary>
    protected static async Task<JsonObject> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string code, string? field = null)
    {
        var text = await response.Content.ReadAsStringAsync().Within();
        Assert.True(response.StatusCode == status, $"expected {(int)status} {code}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(text)!.AsObject();
        Assert.Equal(code, problem["code"]?.GetValue<string>());
        Assert.Equal((int)status, problem["status"]?.GetValue<int>());
        Assert.False(string.IsNullOrWhiteSpace(problem["title"]?.GetValue<string>()));
        Assert.False(string.IsNullOrWhiteSpace(problem["detail"]?.GetValue<string>()));
        Assert.StartsWith("urn:platform:error:", problem["type"]?.GetValue<string>());
        if (field is not null)
            Assert.Equal(field, problem["field"]?.GetValue<string>());
        return problem;
    }

    protected static string Sha256Hex(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    protected static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    protected static StringContent Json(object value) => new(JsonSerializer.Serialize(value), Encoding.UTF8, "application/json");
}
