using System.Text.Json;

namespace Platform.Cli.Tests.Remote;

public sealed class AdminCommandsTests
{
    private static readonly string KeyId = FakePlatform.KeyId.ToString();

    public static TheoryData<string[], string, string, string> Requests => new()
    {
        { ["tenants", "create", "acme"], "POST", "/v1/tenants", """{"name":"acme"}""" },
        {
            ["tenants", "create", "acme", "--max-fuel", "5000", "--max-concurrency", "4"],
            "POST", "/v1/tenants", """{"name":"acme","quotas":{"maxFuel":5000,"maxConcurrency":4}}"""
        },
        { ["tenants", "list"], "GET", "/v1/tenants?limit=200", "" },
        { ["tenants", "get", "acme"], "GET", "/v1/tenants/acme", "" },
        { ["tenants", "delete", "acme"], "DELETE", "/v1/tenants/acme", "" },
        { ["keys", "create", "acme"], "POST", "/v1/tenants/acme/keys", "" },
        { ["keys", "list", "acme"], "GET", "/v1/tenants/acme/keys?limit=200", "" },
        { ["keys", "revoke", "acme", KeyId], "DELETE", $"/v1/tenants/acme/keys/{KeyId}", "" },
        {
            [
                "quotas", "set", "acme", "--max-fuel", "1", "--max-memory-mb", "2", "--max-timeout-ms", "3", "--max-module-bytes", "4",
                "--max-functions", "5", "--invocations-per-second", "6", "--burst", "7", "--max-concurrency", "8",
                "--max-input-bytes", "9", "--max-output-bytes", "10",
            ],
            "PUT", "/v1/tenants/acme/quotas",
            """{"maxFuel":1,"maxMemoryMb":2,"maxTimeoutMs":3,"maxModuleBytes":4,"maxFunctions":5,"invocationsPerSecond":6,"burst":7,"maxConcurrency":8,"maxInputBytes":9,"maxOutputBytes":10}"""
        },
        {
            [
                "quotas", "set", "acme", "--max-versions-per-function", "11", "--max-aliases-per-function", "12",
                "--max-stored-bytes", "13", "--management-calls-per-second", "14", "--management-burst", "15",
            ],
            "PUT", "/v1/tenants/acme/quotas",
            """{"maxVersionsPerFunction":11,"maxAliasesPerFunction":12,"maxStoredBytes":13,"managementCallsPerSecond":14,"managementBurst":15}"""
        },
        { ["quotas", "set", "acme"], "PUT", "/v1/tenants/acme/quotas", "{}" },
        { ["workers"], "GET", "/v1/workers", "" },
    };

    [Theory]
    [MemberData(nameof(Requests))]
    public async Task AdminCommand_SendsTheRightRequest(string[] args, string method, string path, string body)
    {
        await using var platform = await FakePlatform.StartAsync();

        var result = await Ctl.AdminAsync(platform, args);

        Assert.True(result.ExitCode == 0, result.Stderr);
        var request = Assert.Single(platform.Requests);
        Assert.Equal((method, path, body), (request.Method, request.Path, request.BodyText));
        Assert.Equal($"Bearer {FakePlatform.AdminKey}", request.Authorization);
        if (body.Length > 0) Assert.Equal("application/json", request.ContentType);
    }

    [Fact]
    public async Task TenantsCreate_ShowsTheKeyOnceWithTheQuotas()
    {
        await using var platform = await FakePlatform.StartAsync();

        var result = await Ctl.AdminAsync(platform, "tenants", "create", "acme", "--max-fuel", "5000");

        Assert.Equal(0, result.ExitCode);
        var lines = result.Stdout.Split('\n');
        Assert.Contains($"apiKey    {FakePlatform.IssuedKey}", lines);
        Assert.Contains($"apiKeyId  {FakePlatform.KeyId}", lines);
        Assert.Contains("QUOTA                     VALUE       SOURCE", lines);
        Assert.Contains("maxFuel                   1000000000  override", lines);
        Assert.Contains("maxMemoryMb               64          default", lines);
        Assert.Equal("The API key is shown only once: store it now.\n", result.Stderr);
    }

    [Fact]
    public async Task TenantsCreate_Json_IsTheServersDocumentAlone()
    {
        await using var platform = await FakePlatform.StartAsync();

        var result = await Ctl.AdminAsync(platform, "tenants", "create", "acme", "--json");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(FakePlatform.IssuedKey, JsonDocument.Parse(result.Stdout).RootElement.GetProperty("apiKey").GetString());
        Assert.Equal("", result.Stderr);
    }

    [Fact]
    public async Task TenantsList_PrintsOverrides()
    {
        await using var platform = await FakePlatform.StartAsync();

        var result = await Ctl.AdminAsync(platform, "tenants", "list");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(
            $"""
            NAME  ID                                    CREATED               OVERRIDES
            acme  {FakePlatform.TenantId}  2025-01-02 03:04:05Z  maxFuel=5000
            demo  {FakePlatform.TenantId}  2025-01-02 03:04:05Z  -

            """,
            result.Stdout);
    }

    [Fact]
    public async Task KeysList_ShowsRevokedKeys()
    {
        await using var platform = await FakePlatform.StartAsync();

        var result = await Ctl.AdminAsync(platform, "keys", "list", "acme");

        Assert.Equal(0, result.ExitCode);
        var lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("ID                                    PREFIX     CREATED               REVOKED", lines[0]);
        Assert.EndsWith("pk_issued  2025-01-02 03:04:05Z  -", lines[1]);
        Assert.EndsWith("pk_old     2025-01-02 03:04:05Z  2025-01-02 03:04:05Z", lines[2]);
    }

    [Fact]
    public async Task KeysRevoke_SaysWhatItDid()
    {
        await using var platform = await FakePlatform.StartAsync();

        var result = await Ctl.AdminAsync(platform, "keys", "revoke", "acme", KeyId);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal($"Revoked key {KeyId} of tenant acme.\n", result.Stdout);
    }

    [Fact]
    public async Task QuotasSet_ShowsEffectiveQuotasAndTheirSource()
    {
        await using var platform = await FakePlatform.StartAsync();

        var result = await Ctl.AdminAsync(platform, "quotas", "set", "acme", "--burst", "7");

        Assert.Equal(0, result.ExitCode);
        var lines = result.Stdout.Split('\n');
        Assert.Contains("burst                     200         override", lines);
        Assert.Contains("maxFuel                   1000000000  default", lines);
    }

    [Fact]
    public async Task QuotasSet_NonPositive_Exits2WithoutARequest()
    {
        await using var platform = await FakePlatform.StartAsync();

        var result = await Ctl.AdminAsync(platform, "quotas", "set", "acme", "--max-fuel", "0", "--burst", "-1");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--max-fuel must be positive", result.Stderr);
        Assert.Contains("--burst must be positive", result.Stderr);
        Assert.Empty(platform.Requests);
    }

    [Fact]
    public async Task Workers_PrintsLivenessAndLoad()
    {
        await using var platform = await FakePlatform.StartAsync();

        var result = await Ctl.AdminAsync(platform, "workers");

        Assert.Equal(0, result.ExitCode);
        var lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("ID        URL                    STATE  IN-FLIGHT  CAPACITY  MODULES  LAST HEARTBEAT  REGISTERED", lines[0]);
        Assert.Matches(@"^worker-a  http://127\.0\.0\.1:8090  live   3          32        5        [0-9]+s ago +2025-01-02 03:04:05Z$", lines[1]);
        Assert.Matches(@"^worker-b  http://127\.0\.0\.1:8091  down   0          32        4        10m ago +2025-01-02 03:04:05Z$", lines[2]);
    }

    [Fact]
    public async Task Workers_Json_IsTheServersDocument()
    {
        await using var platform = await FakePlatform.StartAsync();

        var result = await Ctl.AdminAsync(platform, "workers", "--json");

        Assert.Equal(0, result.ExitCode);
        var workers = JsonDocument.Parse(result.Stdout).RootElement.GetProperty("workers");
        Assert.Equal(2, workers.GetArrayLength());
        Assert.False(workers[1].GetProperty("live").GetBoolean());
    }
}
