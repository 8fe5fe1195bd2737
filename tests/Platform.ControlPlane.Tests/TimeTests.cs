using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Platform.ControlPlane.Tests;

/// <summary>Timestamps come from the injected <see cref="TimeProvider"/>.</summary>
[Collection(PostgresCollection.Name)]
public sealed class TimeTests(PostgresFixture postgres)
{
    [Fact]
    public async Task CreatedAt_ComesFromInjectedTimeProvider()
    {
        await using var database = await postgres.CreateDatabaseAsync().Within();
        var clock = new FakeTimeProvider(new DateTimeOffset(2031, 2, 3, 4, 5, 6, 789, TimeSpan.Zero));
        await using var host = await PlatformTestHost.StartAsync(database.ConnectionString, configure: b => b.Services.AddSingleton<TimeProvider>(clock)).Within(TimeSpan.FromSeconds(60));
        using var admin = host.CreateClient(host.AdminKey);

        using var created = await admin.PostAsJsonAsync("/v1/tenants", new { name = "timely" }).Within();
        var tenant = JsonNode.Parse(await created.Content.ReadAsStringAsync().Within())!;
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(clock.GetUtcNow(), tenant["createdAt"]!.GetValue<DateTimeOffset>());

        clock.Advance(TimeSpan.FromDays(1));
        using var tenantClient = host.CreateClient(tenant["apiKey"]!.GetValue<string>());
        using var deployed = await tenantClient.PutAsync("/v1/functions/fn", new StringContent(Modules.Hello)).Within();
        var version = JsonNode.Parse(await deployed.Content.ReadAsStringAsync().Within())!;
        Assert.Equal(new DateTimeOffset(2031, 2, 4, 4, 5, 6, 789, TimeSpan.Zero), version["createdAt"]!.GetValue<DateTimeOffset>());
    }
}
