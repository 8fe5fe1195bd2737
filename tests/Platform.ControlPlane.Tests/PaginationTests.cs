using System.Net;
using System.Text.Json.Nodes;
using Grpc.Core;
using V1 = Platform.Contracts.V1;

namespace Platform.ControlPlane.Tests;

/// <summary>Every list is keyset-paged: limit (default 50, at most 200) and an opaque cursor bound to its list.</summary>
public sealed class PaginationTests(PostgresFixture postgres) : ControlPlaneTest(postgres)
{
    [Fact]
    public async Task ListFunctions_WalkPagesWhileInserting_EveryOriginalItemExactlyOnceInOrder()
    {
        var (_, key) = await CreateTenantAsync();
        using var client = Host.CreateClient(key);
        var originals = new[] { "b", "d", "f", "h", "j", "l", "n" };
        foreach (var name in originals)
            await DeployAsync(key, name);

        var seen = new List<string>();
        string? cursor = null;
        var pages = 0;
        var inserted = 0;
        do
        {
            var page = await GetJsonAsync(client, $"/v1/functions?limit=3{(cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}")}");
            var names = page["functions"]!.AsArray().Select(f => f!["name"]!.GetValue<string>()).ToList();
            Assert.True(names.Count <= 3);
            Assert.Equal(names.Order(StringComparer.Ordinal), names);
            seen.AddRange(names);
            Assert.True(page.ContainsKey("nextCursor"));
            cursor = page["nextCursor"]?.GetValue<string>();
            pages++;
            // Between pages: one name before the position (not seen any more), one after (seen once).
            if (cursor is not null)
            {
                await DeployAsync(key, $"a{inserted}");
                await DeployAsync(key, $"m{inserted++}");
            }
        }
        while (cursor is not null && pages < 20);

        Assert.Null(cursor);
        Assert.Equal(seen.Distinct().Count(), seen.Count);
        Assert.Equal(seen.Order(StringComparer.Ordinal), seen);
        Assert.All(originals, name => Assert.Single(seen, name));
        Assert.DoesNotContain(seen, n => n.StartsWith('a'));
        Assert.Contains("m0", seen);
    }

    [Fact]
    public async Task ListTenantsAndKeys_PagesCoverAll_LastPageHasNullCursor()
    {
        var names = new List<string>();
        for (var i = 0; i < 5; i++)
            names.Add((await CreateTenantAsync($"tenant-{i}")).Name);
        Assert.Equal(names, await WalkAsync(Admin, "/v1/tenants", "tenants", "name", limit: 2));

        var ids = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            using var created = await Admin.PostAsync("/v1/tenants/tenant-0/keys", null).Within();
            ids.Add((await ReadJsonAsync(created, HttpStatusCode.Created))["id"]!.GetValue<string>());
        }

        var listed = await WalkAsync(Admin, "/v1/tenants/tenant-0/keys", "keys", "id", limit: 2);
        Assert.Equal(5, listed.Count);
        Assert.Equal(ids, listed.Skip(1));

        var last = await GetJsonAsync(Admin, "/v1/tenants?limit=200");
        Assert.Equal(5, last["tenants"]!.AsArray().Count);
        Assert.Null(last["nextCursor"]);
    }

    [Fact]
    public async Task GetFunction_VersionsPaged_AliasesOnEveryPage()
    {
        var (_, key) = await CreateTenantAsync();
        using var client = Host.CreateClient(key);
        for (var i = 1; i <= 5; i++)
            await DeployAsync(key, "fn", Modules.Numbered(i));

        var first = await GetJsonAsync(client, "/v1/functions/fn?limit=2");
        Assert.Equal([1, 2], Versions(first));
        Assert.Equal(5, first["aliases"]!["latest"]!.GetValue<int>());
        var second = await GetJsonAsync(client, $"/v1/functions/fn?limit=2&cursor={Uri.EscapeDataString(first["nextCursor"]!.GetValue<string>())}");
        Assert.Equal([3, 4], Versions(second));
        var third = await GetJsonAsync(client, $"/v1/functions/fn?limit=2&cursor={Uri.EscapeDataString(second["nextCursor"]!.GetValue<string>())}");
        Assert.Equal([5], Versions(third));
        Assert.Null(third["nextCursor"]);
        Assert.Equal(5, third["latestVersion"]!.GetValue<int>());

        // The default page holds all five, and its cursor is null.
        var all = await GetJsonAsync(client, "/v1/functions/fn");
        Assert.Equal([1, 2, 3, 4, 5], Versions(all));
        Assert.Null(all["nextCursor"]);
    }

    [Theory]
    [InlineData("limit=201")]
    [InlineData("limit=0")]
    [InlineData("limit=-1")]
    [InlineData("limit=abc")]
    [InlineData("limit=1&limit=2")]
    public async Task List_LimitOutOfRange_InvalidArgumentNamingLimit(string query)
    {
        using var response = await Admin.GetAsync($"/v1/tenants?{query}").Within();
        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest, "INVALID_ARGUMENT", "limit");
        Assert.Contains("200", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_MalformedOrForgedCursor_InvalidArgumentNamingCursor()
    {
        var (_, key) = await CreateTenantAsync();
        using var client = Host.CreateClient(key);
        foreach (var name in new[] { "a", "b", "c" })
            await DeployAsync(key, name);
        var cursor = (await GetJsonAsync(client, "/v1/functions?limit=1"))["nextCursor"]!.GetValue<string>();
        var versionsCursor = (await GetJsonAsync(client, "/v1/functions/a?limit=1"))["nextCursor"];
        Assert.Null(versionsCursor);

        var dot = cursor.IndexOf('.', StringComparison.Ordinal);
        var forgedPayload = Convert.ToBase64String("c1|functions|x|b"u8.ToArray()).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var tampered = cursor[..(dot - 1)] + (cursor[dot - 1] == 'A' ? 'B' : 'A') + cursor[dot..];
        foreach (var bad in new[] { "garbage", "a.b", ".", cursor + "x", forgedPayload + cursor[dot..], tampered, "" })
        {
            using var response = await client.GetAsync($"/v1/functions?cursor={Uri.EscapeDataString(bad)}").Within();
            await AssertProblemAsync(response, HttpStatusCode.BadRequest, "INVALID_ARGUMENT", "cursor");
        }

        // A functions cursor is not a tenants cursor (admin) nor a versions cursor.
        using (var tenants = await Admin.GetAsync($"/v1/tenants?cursor={Uri.EscapeDataString(cursor)}").Within())
            await AssertProblemAsync(tenants, HttpStatusCode.BadRequest, "INVALID_ARGUMENT", "cursor");
        using (var versions = await client.GetAsync($"/v1/functions/a?cursor={Uri.EscapeDataString(cursor)}").Within())
            await AssertProblemAsync(versions, HttpStatusCode.BadRequest, "INVALID_ARGUMENT", "cursor");
    }

    [Fact]
    public async Task ListFunctions_AnotherTenantsCursor_RefusedLikeGarbage()
    {
        var (_, keyA) = await CreateTenantAsync();
        var (_, keyB) = await CreateTenantAsync();
        foreach (var name in new[] { "secret-1", "secret-2" })
            await DeployAsync(keyB, name);
        await DeployAsync(keyA, "mine");
        using var clientA = Host.CreateClient(keyA);
        using var clientB = Host.CreateClient(keyB);
        var cursorB = (await GetJsonAsync(clientB, "/v1/functions?limit=1"))["nextCursor"]!.GetValue<string>();

        using var stolen = await clientA.GetAsync($"/v1/functions?cursor={Uri.EscapeDataString(cursorB)}").Within();
        var problem = await AssertProblemAsync(stolen, HttpStatusCode.BadRequest, "INVALID_ARGUMENT", "cursor");
        using var garbage = await clientA.GetAsync("/v1/functions?cursor=garbage").Within();
        var garbageProblem = await AssertProblemAsync(garbage, HttpStatusCode.BadRequest, "INVALID_ARGUMENT", "cursor");
        Assert.Equal(garbageProblem["detail"]!.GetValue<string>(), problem["detail"]!.GetValue<string>());
        Assert.DoesNotContain("secret", problem.ToJsonString(), StringComparison.Ordinal);

        // And the versions cursor of B's function is bound to that function, not to the name.
        for (var i = 0; i < 2; i++) await DeployAsync(keyB, "shared", Modules.Numbered(i));
        for (var i = 0; i < 2; i++) await DeployAsync(keyA, "shared", Modules.Numbered(i));
        var versionsB = (await GetJsonAsync(clientB, "/v1/functions/shared?limit=1"))["nextCursor"]!.GetValue<string>();
        using var crossed = await clientA.GetAsync($"/v1/functions/shared?cursor={Uri.EscapeDataString(versionsB)}").Within();
        await AssertProblemAsync(crossed, HttpStatusCode.BadRequest, "INVALID_ARGUMENT", "cursor");
    }

    [Fact]
    public async Task Grpc_ListFunctionsAndGetFunction_PageWithCursor_LimitOverMaxRefused()
    {
        var (_, key) = await CreateTenantAsync();
        foreach (var name in new[] { "x", "y", "z" })
            await DeployAsync(key, name);
        await DeployAsync(key, "x", Modules.Other);
        var functions = new V1.FunctionService.FunctionServiceClient(Host.Channel);
        var call = PlatformTestHost.Bearer(key);

        var first = await functions.ListFunctionsAsync(new V1.ListFunctionsRequest { Page = new V1.Page { Limit = 2 } }, call).ResponseAsync.Within();
        Assert.Equal(["x", "y"], first.Functions.Select(f => f.Name));
        var second = await functions.ListFunctionsAsync(new V1.ListFunctionsRequest { Page = new V1.Page { Limit = 2, Cursor = first.NextCursor } }, call).ResponseAsync.Within();
        Assert.Equal(["z"], second.Functions.Select(f => f.Name));
        Assert.Equal("", second.NextCursor);

        var x = await functions.GetFunctionAsync(new V1.GetFunctionRequest { Name = "x", Page = new V1.Page { Limit = 1 } }, call).ResponseAsync.Within();
        Assert.Equal([1], x.Versions.Select(v => v.Version));
        var x2 = await functions.GetFunctionAsync(new V1.GetFunctionRequest { Name = "x", Page = new V1.Page { Limit = 1, Cursor = x.NextCursor } }, call).ResponseAsync.Within();
        Assert.Equal([2], x2.Versions.Select(v => v.Version));
        Assert.Equal("", x2.NextCursor);

        var over = await Assert.ThrowsAsync<RpcException>(() => functions.ListFunctionsAsync(new V1.ListFunctionsRequest { Page = new V1.Page { Limit = 201 } }, call).ResponseAsync.Within());
        Assert.Equal(StatusCode.InvalidArgument, over.StatusCode);
        Assert.Equal("limit", GrpcApiTests.ErrorInfo(over).Metadata["field"]);
        var forged = await Assert.ThrowsAsync<RpcException>(() => functions.ListFunctionsAsync(new V1.ListFunctionsRequest { Page = new V1.Page { Cursor = "nope" } }, call).ResponseAsync.Within());
        Assert.Equal("cursor", GrpcApiTests.ErrorInfo(forged).Metadata["field"]);
    }

    private static int[] Versions(JsonObject function) => function["versions"]!.AsArray().Select(v => v!["version"]!.GetValue<int>()).ToArray();

    private static async Task<JsonObject> GetJsonAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path).Within();
        return await ReadJsonAsync(response, HttpStatusCode.OK);
    }

    private static async Task<List<string>> WalkAsync(HttpClient client, string path, string member, string field, int limit)
    {
        var items = new List<string>();
        string? cursor = null;
        for (var pages = 0; pages < 50; pages++)
        {
            var page = await GetJsonAsync(client, $"{path}?limit={limit}{(cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}")}");
            var batch = page[member]!.AsArray();
            Assert.InRange(batch.Count, 0, limit);
            items.AddRange(batch.Select(i => i![field]!.GetValue<string>()));
            cursor = page["nextCursor"]?.GetValue<string>();
            if (cursor is null)
                return items;
        }

        throw new InvalidOperationException("the list did not end within 50 pages");
    }
}
