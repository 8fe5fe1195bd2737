using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Platform.ControlPlane.Tests;

public sealed class TenantApiTests(PostgresFixture postgres) : ControlPlaneTest(postgres)
{
    [Fact]
    public async Task CreateTenant_WithOverrides_Returns201WithEffectiveQuotasAndKey()
    {
        using var response = await Admin.PostAsJsonAsync("/v1/tenants", new { name = "acme", quotas = new { maxFunctions = 5, maxFuel = 1234 } }).Within();
        var body = await ReadJsonAsync(response, HttpStatusCode.Created);

        Assert.Equal("/v1/tenants/acme", response.Headers.Location?.ToString());
        Assert.Equal("acme", body["name"]!.GetValue<string>());
        Assert.True(Guid.TryParse(body["id"]!.GetValue<string>(), out _));
        Assert.True(Guid.TryParse(body["apiKeyId"]!.GetValue<string>(), out _));
        var key = body["apiKey"]!.GetValue<string>();
        Assert.StartsWith("pk_", key);
        Assert.Equal(46, key.Length);
        var quotas = body["quotas"]!.AsObject();
        Assert.Equal(1234, quotas["maxFuel"]!.GetValue<long>());
        Assert.Equal(5, quotas["maxFunctions"]!.GetValue<int>());
        Assert.Equal(64, quotas["maxMemoryMb"]!.GetValue<int>());
        Assert.Equal(5000, quotas["maxTimeoutMs"]!.GetValue<int>());
        Assert.Equal(33554432, quotas["maxModuleBytes"]!.GetValue<long>());
        Assert.Equal(100, quotas["invocationsPerSecond"]!.GetValue<int>());
        Assert.Equal(200, quotas["burst"]!.GetValue<int>());
        Assert.Equal(16, quotas["maxConcurrency"]!.GetValue<int>());
        Assert.Equal(1048576, quotas["maxInputBytes"]!.GetValue<long>());
        Assert.Equal(1048576, quotas["maxOutputBytes"]!.GetValue<long>());
        var overrides = body["quotaOverrides"]!.AsObject();
        Assert.Equal(2, overrides.Count);
        Assert.Equal(1234, overrides["maxFuel"]!.GetValue<long>());

        // The key works, and only its hash is stored.
        using var tenant = Host.CreateClient(key);
        using var list = await tenant.GetAsync("/v1/functions").Within();
        Assert.Empty((await ReadJsonAsync(list, HttpStatusCode.OK))["functions"]!.AsArray());
        Assert.Equal(0L, await Database.ScalarAsync<long>($"SELECT count(*) FROM api_keys WHERE prefix = '{key[..9]}' AND position(convert_to('{key}', 'UTF8') in key_hash) > 0").Within());
        Assert.Equal(32, await Database.ScalarAsync<int>("SELECT octet_length(key_hash) FROM api_keys LIMIT 1").Within());
    }

    [Fact]
    public async Task CreateTenant_DuplicateName_Returns400NamingField()
    {
        await CreateTenantAsync("dup");
        using var response = await Admin.PostAsJsonAsync("/v1/tenants", new { name = "dup" }).Within();
        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest, "INVALID_ARGUMENT", "name");
        Assert.Contains("already exists", problem["detail"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("")]
    [InlineData("Acme")]
    [InlineData("-acme")]
    [InlineData("acme_corp")]
    [InlineData("a b")]
    [InlineData("../etc")]
    [InlineData("acme\n")]
    [InlineData("ünïcode")]
    [InlineData("аcme")] // Cyrillic a
    [InlineData("a0123456789012345678901234567890123456789012345678901234567890123")] // 64 chars
    public async Task CreateTenant_HostileName_Returns400NamingField(string name)
    {
        using var response = await Admin.PostAsJsonAsync("/v1/tenants", new { name }).Within();
        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "INVALID_ARGUMENT", "name");
        using var list = await Admin.GetAsync("/v1/tenants").Within();
        Assert.Empty((await ReadJsonAsync(list, HttpStatusCode.OK))["tenants"]!.AsArray());
    }

    [Fact]
    public async Task CreateTenant_NameOf63Characters_Succeeds()
    {
        var name = "a" + new string('b', 61) + "9";
        var (created, _) = await CreateTenantAsync(name);
        Assert.Equal(63, created.Length);
    }

    [Fact]
    public async Task CreateTenant_MissingName_Returns400NamingField()
    {
        using var response = await Admin.PostAsync("/v1/tenants", Json("{}")).Within();
        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "INVALID_ARGUMENT", "name");
    }

    [Theory]
    [InlineData("{", "body")]
    [InlineData("not json", "body")]
    [InlineData("", "body")]
    [InlineData("[]", "body")]
    [InlineData("null", "body")]
    [InlineData("{\"name\": 1}", "name")]
    [InlineData("{\"name\": \"x\",}", "body")]
    [InlineData("{\"name\": \"x\", \"color\": \"red\"}", "color")]
    [InlineData("{\"name\": \"x\", \"quotas\": {\"maxFuel\": \"1000\"}}", "quotas.maxFuel")]
    [InlineData("{\"name\": \"x\", \"quotas\": {\"maxFuel\": 1.5}}", "quotas.maxFuel")]
    [InlineData("{\"name\": \"x\", \"quotas\": {\"maxFuel\": 99999999999999999999999}}", "quotas.maxFuel")]
    [InlineData("{\"name\": \"x\", \"quotas\": {\"maxCpu\": 1}}", "quotas.maxCpu")]
    public async Task CreateTenant_MalformedJson_Returns400NotA500(string json, string field)
    {
        using var response = await Admin.PostAsync("/v1/tenants", Json(json)).Within();
        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "INVALID_ARGUMENT", field);
    }

    [Theory]
    [InlineData("maxFuel", 0)]
    [InlineData("maxMemoryMb", -1)]
    [InlineData("maxMemoryMb", 5000)]
    [InlineData("maxTimeoutMs", 0)]
    [InlineData("maxModuleBytes", 0)]
    [InlineData("maxFunctions", 0)]
    [InlineData("invocationsPerSecond", 0)]
    [InlineData("burst", -5)]
    [InlineData("maxConcurrency", 0)]
    [InlineData("maxInputBytes", 0)]
    [InlineData("maxOutputBytes", 0)]
    public async Task CreateTenant_QuotaOutOfRange_Returns400NamingField(string quota, long value)
    {
        var json = new JsonObject { ["name"] = "q", ["quotas"] = new JsonObject { [quota] = value } };
        using var response = await Admin.PostAsync("/v1/tenants", Json(json.ToJsonString())).Within();
        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "INVALID_ARGUMENT", $"quotas.{quota}");
    }

    [Fact]
    public async Task CreateTenant_WrongContentType_Returns400()
    {
        using var response = await Admin.PostAsync("/v1/tenants", new StringContent("name=acme", System.Text.Encoding.UTF8, "application/x-www-form-urlencoded")).Within();
        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "INVALID_ARGUMENT", "Content-Type");
    }

    [Fact]
    public async Task CreateTenant_BodyOverGlobalLimit_Returns413()
    {
        var huge = "{\"name\":\"x\",\"pad\":\"" + new string('x', 2 << 20) + "\"}";
        using var response = await Admin.PostAsync("/v1/tenants", Json(huge)).Within();
        await AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, "PAYLOAD_TOO_LARGE");
    }

    [Fact]
    public async Task ListTenants_ReturnsAllOrderedByName()
    {
        await CreateTenantAsync("zeta");
        await CreateTenantAsync("alpha", new { maxFunctions = 1 });
        using var response = await Admin.GetAsync("/v1/tenants").Within();
        var tenants = (await ReadJsonAsync(response, HttpStatusCode.OK))["tenants"]!.AsArray();
        Assert.Equal(["alpha", "zeta"], tenants.Select(t => t!["name"]!.GetValue<string>()));
        Assert.Equal(1, tenants[0]!["quotas"]!["maxFunctions"]!.GetValue<int>());
        Assert.Null(tenants[0]!["apiKey"]);
    }

    [Fact]
    public async Task GetTenant_Existing_ReturnsQuotas()
    {
        await CreateTenantAsync("getme", new { maxMemoryMb = 32 });
        using var response = await Admin.GetAsync("/v1/tenants/getme").Within();
        var body = await ReadJsonAsync(response, HttpStatusCode.OK);
        Assert.Equal("getme", body["name"]!.GetValue<string>());
        Assert.Equal(32, body["quotas"]!["maxMemoryMb"]!.GetValue<int>());
        Assert.Equal(32, body["quotaOverrides"]!["maxMemoryMb"]!.GetValue<int>());
        Assert.Null(body["apiKey"]);
    }

    [Fact]
    public async Task GetTenant_Missing_Returns404()
    {
        using var response = await Admin.GetAsync("/v1/tenants/nobody").Within();
        await AssertProblemAsync(response, HttpStatusCode.NotFound, "NOT_FOUND");
    }

    [Theory]
    [InlineData("UPPER")]
    [InlineData("..%2F..%2Fetc")]
    [InlineData("%C3%BC")]
    public async Task GetTenant_HostileName_Returns400(string escapedName)
    {
        using var response = await Admin.GetAsync($"/v1/tenants/{escapedName}").Within();
        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "INVALID_ARGUMENT", "tenant");
    }

    [Fact]
    public async Task SetQuotas_ReplacesOverrides_MissingFieldsFollowDefaults()
    {
        await CreateTenantAsync("quota", new { maxFuel = 10, maxFunctions = 3 });

        using var first = await Admin.PutAsync("/v1/tenants/quota/quotas", Json(new { maxMemoryMb = 128 })).Within();
        var body = await ReadJsonAsync(first, HttpStatusCode.OK);
        Assert.Equal(128, body["quotas"]!["maxMemoryMb"]!.GetValue<int>());
        Assert.Equal(1_000_000_000, body["quotas"]!["maxFuel"]!.GetValue<long>());
        Assert.Equal(100, body["quotas"]!["maxFunctions"]!.GetValue<int>());
        Assert.Single(body["quotaOverrides"]!.AsObject());
        Assert.Null(await Database.ScalarAsync<long?>("SELECT max_fuel FROM tenant_quotas").Within());

        using var reset = await Admin.PutAsync("/v1/tenants/quota/quotas", Json("{}")).Within();
        var resetBody = await ReadJsonAsync(reset, HttpStatusCode.OK);
        Assert.Empty(resetBody["quotaOverrides"]!.AsObject());
        Assert.Equal(64, resetBody["quotas"]!["maxMemoryMb"]!.GetValue<int>());

        using var get = await Admin.GetAsync("/v1/tenants/quota").Within();
        Assert.Empty((await ReadJsonAsync(get, HttpStatusCode.OK))["quotaOverrides"]!.AsObject());
    }

    [Fact]
    public async Task SetQuotas_InvalidValue_Returns400AndKeepsOldQuotas()
    {
        await CreateTenantAsync("keep", new { maxFunctions = 3 });
        using var response = await Admin.PutAsync("/v1/tenants/keep/quotas", Json(new { maxFunctions = 0 })).Within();
        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "INVALID_ARGUMENT", "quotas.maxFunctions");
        using var get = await Admin.GetAsync("/v1/tenants/keep").Within();
        Assert.Equal(3, (await ReadJsonAsync(get, HttpStatusCode.OK))["quotas"]!["maxFunctions"]!.GetValue<int>());
    }

    [Fact]
    public async Task SetQuotas_MissingTenant_Returns404()
    {
        using var response = await Admin.PutAsync("/v1/tenants/ghost/quotas", Json("{}")).Within();
        await AssertProblemAsync(response, HttpStatusCode.NotFound, "NOT_FOUND");
    }

    [Fact]
    public async Task SetQuotas_MalformedJson_Returns400()
    {
        await CreateTenantAsync("malformed");
        using var response = await Admin.PutAsync("/v1/tenants/malformed/quotas", Json("{\"maxFuel\":")).Within();
        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "INVALID_ARGUMENT", "maxFuel");
    }

    [Fact]
    public async Task DeleteTenant_RemovesTenantFunctionsAndKeys()
    {
        var (name, key) = await CreateTenantAsync("doomed");
        await DeployAsync(key, "fn");

        using var delete = await Admin.DeleteAsync($"/v1/tenants/{name}").Within();
        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);

        using var get = await Admin.GetAsync($"/v1/tenants/{name}").Within();
        await AssertProblemAsync(get, HttpStatusCode.NotFound, "NOT_FOUND");
        using var tenant = Host.CreateClient(key);
        using var list = await tenant.GetAsync("/v1/functions").Within();
        await AssertProblemAsync(list, HttpStatusCode.Unauthorized, "UNAUTHENTICATED");
        Assert.Equal(0L, await Database.ScalarAsync<long>("SELECT count(*) FROM functions").Within());
        Assert.Equal(0L, await Database.ScalarAsync<long>("SELECT count(*) FROM api_keys").Within());
        Assert.Equal(1L, await Database.ScalarAsync<long>("SELECT count(*) FROM modules").Within()); // shared by hash, kept

        using var again = await Admin.DeleteAsync($"/v1/tenants/{name}").Within();
        await AssertProblemAsync(again, HttpStatusCode.NotFound, "NOT_FOUND");
    }

    [Fact]
    public async Task CreateKey_ListKeys_RevokeKey_Lifecycle()
    {
        var (name, first) = await CreateTenantAsync("keys");

        using var created = await Admin.PostAsync($"/v1/tenants/{name}/keys", null).Within();
        var body = await ReadJsonAsync(created, HttpStatusCode.Created);
        var secondId = body["id"]!.GetValue<string>();
        var second = body["apiKey"]!.GetValue<string>();
        Assert.StartsWith("pk_", second);
        Assert.NotEqual(first, second);
        Assert.Equal(second[..9], body["prefix"]!.GetValue<string>());

        using var list = await Admin.GetAsync($"/v1/tenants/{name}/keys").Within();
        var keys = (await ReadJsonAsync(list, HttpStatusCode.OK))["keys"]!.AsArray();
        Assert.Equal(2, keys.Count);
        Assert.All(keys, k => Assert.Null(k!["apiKey"]));
        Assert.Contains(keys, k => k!["id"]!.GetValue<string>() == secondId && k["prefix"]!.GetValue<string>() == second[..9]);

        using var revoke = await Admin.DeleteAsync($"/v1/tenants/{name}/keys/{secondId}").Within();
        Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        using var listAfter = await Admin.GetAsync($"/v1/tenants/{name}/keys").Within();
        var revoked = (await ReadJsonAsync(listAfter, HttpStatusCode.OK))["keys"]!.AsArray().Single(k => k!["id"]!.GetValue<string>() == secondId);
        Assert.NotNull(revoked!["revokedAt"]);

        using var twice = await Admin.DeleteAsync($"/v1/tenants/{name}/keys/{secondId}").Within();
        await AssertProblemAsync(twice, HttpStatusCode.NotFound, "NOT_FOUND");
    }

    [Fact]
    public async Task CreateKey_MissingTenant_Returns404()
    {
        using var response = await Admin.PostAsync("/v1/tenants/ghost/keys", null).Within();
        await AssertProblemAsync(response, HttpStatusCode.NotFound, "NOT_FOUND");
        using var list = await Admin.GetAsync("/v1/tenants/ghost/keys").Within();
        await AssertProblemAsync(list, HttpStatusCode.NotFound, "NOT_FOUND");
    }

    [Fact]
    public async Task RevokeKey_MalformedId_Returns400_UnknownId_Returns404()
    {
        await CreateTenantAsync("revoke");
        using var malformed = await Admin.DeleteAsync("/v1/tenants/revoke/keys/not-a-guid").Within();
        await AssertProblemAsync(malformed, HttpStatusCode.BadRequest, "INVALID_ARGUMENT", "id");
        using var unknown = await Admin.DeleteAsync($"/v1/tenants/revoke/keys/{Guid.NewGuid()}").Within();
        await AssertProblemAsync(unknown, HttpStatusCode.NotFound, "NOT_FOUND");
    }

    [Fact]
    public async Task RevokeKey_OfAnotherTenant_Returns404AndKeyStillWorks()
    {
        var (_, keyA) = await CreateTenantAsync("owner-a");
        await CreateTenantAsync("owner-b");
        using var keysA = await Admin.GetAsync("/v1/tenants/owner-a/keys").Within();
        var idA = (await ReadJsonAsync(keysA, HttpStatusCode.OK))["keys"]![0]!["id"]!.GetValue<string>();

        using var revoke = await Admin.DeleteAsync($"/v1/tenants/owner-b/keys/{idA}").Within();
        await AssertProblemAsync(revoke, HttpStatusCode.NotFound, "NOT_FOUND");
        using var tenant = Host.CreateClient(keyA);
        using var list = await tenant.GetAsync("/v1/functions").Within();
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
    }
}
