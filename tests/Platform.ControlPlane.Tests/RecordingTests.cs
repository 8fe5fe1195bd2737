using System.Net;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Platform.ControlPlane.History;
using Platform.ControlPlane.Modules;

namespace Platform.ControlPlane.Tests;

/// <summary>Replay recordings: kept per the version's <c>record</c> setting, tenant-scoped, bounded, deletable, pinning their module.</summary>
[Collection(PostgresCollection.Name)]
public sealed class RecordingTests(PostgresFixture postgres)
{
    private static readonly Dictionary<string, string?> ManualFlush = new()
    {
        ["Platform:History:FlushInterval"] = "01:00:00",
        ["Platform:History:PruneInterval"] = "01:00:00",
        ["Platform:ModuleCollection:Interval"] = "01:00:00",
    };

    [Fact]
    public async Task Recording_OfARecordedVersion_HoldsWhatTheHostServed_AndIsTheTenantsOnly()
    {
        await using var database = await postgres.CreateDatabaseAsync().Within();
        await using var cluster = await InvokeCluster.StartAsync(database.ConnectionString, ManualFlush);
        var (_, keyA) = await cluster.CreateTenantAsync();
        var (_, keyB) = await cluster.CreateTenantAsync();
        var deployed = await cluster.DeployAsync(keyA, "exit", ReplayWat.Exit, """{"record":"all","env":{"MODE":"x"},"args":["--flag"],"fuel":3000000}""");
        await cluster.DeployAsync(keyA, "plain", ReplayWat.Ok);
        using var a = cluster.ControlPlane.CreateClient(keyA);
        using var b = cluster.ControlPlane.CreateClient(keyB);
        var recorded = await InvokeAsync(a, "exit", "the input");
        var plain = await InvokeAsync(a, "plain", "");
        await FlushAsync(cluster);

        JsonObject recording;
        using (var response = await a.GetAsync($"/v1/invocations/{recorded}/recording").Within())
            recording = await ApiCalls.ReadJsonAsync(response, HttpStatusCode.OK);
        Assert.Equal(recorded, recording["invocationId"]!.GetValue<string>());
        Assert.Equal(deployed["sha256"]!.GetValue<string>(), recording["moduleSha256"]!.GetValue<string>());
        Assert.Equal("the input"u8.ToArray(), Convert.FromBase64String(recording["input"]!.GetValue<string>()));
        Assert.Single(recording["clocks"]!.AsArray());
        Assert.Equal(8, Convert.FromBase64String(recording["random"]!.GetValue<string>()).Length);
        Assert.Equal(["exit", "--flag"], recording["args"]!.AsArray().Select(x => x!.GetValue<string>()));
        var env = recording["env"]!.AsArray().Select(x => x!.GetValue<string>()).ToList();
        Assert.Contains("MODE=x", env);
        Assert.Contains($"PLATFORM_INVOCATION_ID={recorded}", env);
        Assert.Equal(3_000_000, recording["limits"]!["fuel"]!.GetValue<long>());
        Assert.Equal("EXIT_NONZERO", recording["production"]!["outcome"]!.GetValue<string>());
        using (var response = await a.GetAsync($"/v1/invocations/{recorded}").Within())
            Assert.True((await ApiCalls.ReadJsonAsync(response, HttpStatusCode.OK))["recorded"]!.GetValue<bool>());

        // The module route serves the bytes the recording names.
        using (var response = await a.GetAsync($"/v1/invocations/{recorded}/module").Within())
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("application/wasm", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal(recording["moduleSha256"]!.GetValue<string>(), Convert.ToHexStringLower(SHA256.HashData(await response.Content.ReadAsByteArrayAsync().Within())));
        }

        // A version without "record" keeps none; another tenant sees none; no key, no answer.
        foreach (var (client, id) in new[] { (a, plain), (b, recorded) })
        {
            foreach (var path in new[] { $"/v1/invocations/{id}/recording", $"/v1/invocations/{id}/module" })
            {
                using var response = await client.GetAsync(path).Within();
                Assert.Equal("NOT_FOUND", (await ApiCalls.ReadJsonAsync(response, HttpStatusCode.NotFound))["code"]!.GetValue<string>());
            }
        }

        using (var response = await b.DeleteAsync($"/v1/invocations/{recorded}/recording").Within())
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        using (var anonymous = cluster.ControlPlane.CreateClient())
        {
            foreach (var path in new[] { $"/v1/invocations/{recorded}/recording", $"/v1/invocations/{recorded}/module" })
            {
                using var response = await anonymous.GetAsync(path).Within();
                Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            }

            using var delete = await anonymous.DeleteAsync($"/v1/invocations/{recorded}/recording").Within();
            Assert.Equal(HttpStatusCode.Unauthorized, delete.StatusCode);
        }

        foreach (var path in new[] { "/v1/invocations/nope/recording", "/v1/invocations/" + new string('A', 32) + "/module" })
        {
            using var response = await a.GetAsync(path).Within();
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        }

        // While the recording exists its module outlives the versions; deleted, the module goes.
        using (var response = await a.DeleteAsync("/v1/functions/exit").Within())
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        var collector = cluster.ControlPlane.Services.GetRequiredService<ModuleCollector>();
        Assert.DoesNotContain(deployed["sha256"]!.GetValue<string>(), await collector.CollectAsync(CancellationToken.None).Within());
        using (var response = await a.GetAsync($"/v1/invocations/{recorded}/module").Within())
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using (var response = await a.DeleteAsync($"/v1/invocations/{recorded}/recording").Within())
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        using (var response = await a.GetAsync($"/v1/invocations/{recorded}/recording").Within())
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        using (var response = await a.GetAsync($"/v1/invocations/{recorded}").Within())
            Assert.False((await ApiCalls.ReadJsonAsync(response, HttpStatusCode.OK))["recorded"]!.GetValue<bool>());
        Assert.Contains(deployed["sha256"]!.GetValue<string>(), await collector.CollectAsync(CancellationToken.None).Within());
    }

    [Fact]
    public async Task Recordings_StopAtTheTenantsQuota_AndFailuresModeKeepsOnlyFailures()
    {
        await using var database = await postgres.CreateDatabaseAsync().Within();
        await using var cluster = await InvokeCluster.StartAsync(database.ConnectionString, ManualFlush);
        var (_, key) = await cluster.CreateTenantAsync(new { maxRecordingBytes = 1700 });
        await cluster.DeployAsync(key, "exit", ReplayWat.Exit, """{"record":"failures"}""");
        await cluster.DeployAsync(key, "ok", ReplayWat.Ok, """{"record":"failures"}""");
        using var client = cluster.ControlPlane.CreateClient(key);
        var ok = await InvokeAsync(client, "ok", "");
        var failures = new List<string>();
        for (var i = 0; i < 4; i++)
            failures.Add(await InvokeAsync(client, "exit", new string('i', 400)));
        await FlushAsync(cluster);

        var kept = new List<string>();
        foreach (var id in failures.Prepend(ok))
        {
            using var response = await client.GetAsync($"/v1/invocations/{id}/recording").Within();
            if (response.StatusCode == HttpStatusCode.OK) kept.Add(id);
            else Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }

        // Each recording is 550 bytes (400 of input, 8 random, 8 clock, 4 of args, 130 of env): three fit in 1700, in invocation order.
        Assert.Equal(failures.Take(3), kept);

        using (var response = await client.PutAsync("/v1/functions/bad", ApiCalls.ModuleForm(new StringContent(ReplayWat.Ok), "m.wat", """{"record":"sometimes"}""")).Within())
        {
            var problem = await ApiCalls.ReadJsonAsync(response, HttpStatusCode.BadRequest);
            Assert.Equal("config.record", problem["field"]!.GetValue<string>());
        }
    }

    private static async Task FlushAsync(InvokeCluster cluster) =>
        Assert.True(await cluster.ControlPlane.Services.GetRequiredService<HistoryFlusher>().FlushAsync(CancellationToken.None).Within());

    private static async Task<string> InvokeAsync(HttpClient client, string function, string input)
    {
        using var response = await ApiCalls.InvokeAsync(client, function, System.Text.Encoding.UTF8.GetBytes(input));
        return response.Headers.GetValues("Platform-Invocation-Id").Single();
    }
}
