using System.Text.Json;

namespace Platform.Cli.Tests.Remote;

public sealed class UsageCommandTests
{
    [Theory]
    [InlineData(new[] { "usage" }, "/v1/usage")]
    [InlineData(new[] { "usage", "--from", "2025-01-01T00:00:00Z" }, "/v1/usage?from=2025-01-01T00%3A00%3A00Z")]
    [InlineData(new[] { "usage", "--from", "2025-01-01T00:00:00+01:00", "--to", "2025-01-02" }, "/v1/usage?from=2025-01-01T00%3A00%3A00%2B01%3A00&to=2025-01-02")]
    public async Task Usage_WithTenantKey_AsksForTheKeysOwnUsage(string[] args, string path)
    {
        await using var platform = await FakePlatform.StartAsync();

        var result = await Ctl.TenantAsync(platform, args);

        Assert.True(result.ExitCode == 0, result.Stderr);
        var request = Assert.Single(platform.Requests);
        Assert.Equal(("GET", path), (request.Method, request.Path));
        Assert.Equal($"Bearer {FakePlatform.TenantKey}", request.Authorization);
    }

    [Fact]
    public async Task Usage_WithTenant_UsesTheAdminRoute()
    {
        await using var platform = await FakePlatform.StartAsync();

        var result = await Ctl.AdminAsync(platform, "usage", "--tenant", "demo", "--to", "2025-01-02T00:00:00Z");

        Assert.True(result.ExitCode == 0, result.Stderr);
        var request = Assert.Single(platform.Requests);
        Assert.Equal(("GET", "/v1/tenants/demo/usage?to=2025-01-02T00%3A00%3A00Z"), (request.Method, request.Path));
        Assert.Equal($"Bearer {FakePlatform.AdminKey}", request.Authorization);
        Assert.StartsWith("Usage of demo from 2025-01-01 00:00:00Z to 2025-01-02 00:00:00Z\n", result.Stdout);
    }

    [Fact]
    public async Task Usage_PrintsFunctionsAndTotals()
    {
        await using var platform = await FakePlatform.StartAsync();

        var result = await Ctl.TenantAsync(platform, "usage");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(
            """
            Usage of acme from 2025-01-01 00:00:00Z to 2025-01-02 00:00:00Z

            FUNCTION  INVOCATIONS  FAILURES  FUEL    DURATION  OUTCOMES
            hello     9            0         6789    4.25 ms   OK=9
            resize    3            3         450000  31.25 ms  OUT_OF_FUEL=2 TRAP=1
            TOTAL     12           3         456789  35.5 ms   OK=9 OUT_OF_FUEL=2 TRAP=1

            """.ReplaceLineEndings("\n"),
            result.Stdout);
        Assert.Equal("", result.Stderr);
    }

    [Fact]
    public async Task Usage_Json_IsTheServersDocument()
    {
        await using var platform = await FakePlatform.StartAsync();

        var result = await Ctl.TenantAsync(platform, "usage", "--json");

        Assert.Equal(0, result.ExitCode);
        var usage = JsonDocument.Parse(result.Stdout).RootElement;
        Assert.Equal(456789, usage.GetProperty("totals").GetProperty("fuelConsumed").GetInt64());
        Assert.Equal(2, usage.GetProperty("functions").GetArrayLength());
    }

    [Fact]
    public async Task Usage_TenantKeyOnAdminRoute_IsForbidden_AndBadRangeIsInvalidArgument()
    {
        await using var platform = await FakePlatform.StartAsync();

        var forbidden = await Ctl.TenantAsync(platform, "usage", "--tenant", "demo");
        var invalid = await Ctl.TenantAsync(platform, "usage", "--from", "bad");

        Assert.NotEqual(0, forbidden.ExitCode);
        Assert.Contains("FORBIDDEN", forbidden.Stderr);
        Assert.NotEqual(0, invalid.ExitCode);
        Assert.Contains("INVALID_ARGUMENT", invalid.Stderr);
        Assert.Contains("from", invalid.Stderr);
        Assert.Equal("", invalid.Stdout);
    }
}
