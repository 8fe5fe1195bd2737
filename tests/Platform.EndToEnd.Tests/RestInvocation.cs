using System.Net;
using System.Text.Json.Nodes;

namespace Platform.EndToEnd.Tests;

/// <summary>What an invoke over REST answered: status, Platform-* headers, body, and the problem document when there is one.</summary>
public sealed record RestInvocation(HttpStatusCode Status, string? ContentType, IReadOnlyDictionary<string, string> Headers, string Body)
{
    public string? Header(string name) => Headers.GetValueOrDefault(name);

    public string? Outcome => Header("Platform-Outcome");

    public string? Worker => Header("Platform-Worker");

    public JsonObject Problem
    {
        get
        {
            Assert.True(ContentType == "application/problem+json", $"expected a problem document, got {(int)Status} {ContentType}: {Body}");
            return JsonNode.Parse(Body)!.AsObject();
        }
    }

    public static async Task<RestInvocation> ReadAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync().Within();
        var headers = response.Headers
            .Where(h => h.Key.StartsWith("Platform-", StringComparison.OrdinalIgnoreCase) || h.Key is "WWW-Authenticate")
            .ToDictionary(h => h.Key, h => string.Join(",", h.Value), StringComparer.OrdinalIgnoreCase);
        return new RestInvocation(response.StatusCode, response.Content.Headers.ContentType?.MediaType, headers, body);
    }

    /// <summary>200 with the output and every Platform-* header of a run.</summary>
    public RestInvocation AssertOk(string output, int? version = null)
    {
        Assert.True(Status == HttpStatusCode.OK, $"expected 200, got {(int)Status}: {Body}");
        Assert.Equal(output, Body);
        Assert.Equal("application/octet-stream", ContentType);
        Assert.Equal("OK", Outcome);
        AssertRunHeaders();
        if (version is not null)
            Assert.Equal(version.Value.ToString(System.Globalization.CultureInfo.InvariantCulture), Header("Platform-Version"));
        return this;
    }

    /// <summary>The headers every invocation that reached a worker carries.</summary>
    public void AssertRunHeaders()
    {
        Assert.Matches("^[0-9a-f]{32}$", Header("Platform-Invocation-Id"));
        Assert.True(long.TryParse(Header("Platform-Fuel-Consumed"), out var fuel) && fuel >= 0, $"Platform-Fuel-Consumed: {Header("Platform-Fuel-Consumed")}");
        Assert.True(double.TryParse(Header("Platform-Duration-Ms"), System.Globalization.CultureInfo.InvariantCulture, out var ms) && ms >= 0, $"Platform-Duration-Ms: {Header("Platform-Duration-Ms")}");
        Assert.Matches("^w[0-9]+$", Worker);
        Assert.Matches("^[0-9]+$", Header("Platform-Version"));
    }

    /// <summary>
    /// A function outcome other than OK: the status of OutcomeStatus.cs, the problem document
    /// with what the run reported, and headers that agree with it.
    /// </summary>
    public JsonObject AssertOutcome(HttpStatusCode status, string code)
    {
        Assert.True(Status == status, $"expected {(int)status} {code}, got {(int)Status}: {Body}");
        var problem = Problem;
        Assert.Equal(code, problem["code"]!.GetValue<string>());
        Assert.Equal((int)status, problem["status"]!.GetValue<int>());
        Assert.False(string.IsNullOrWhiteSpace(problem["detail"]?.GetValue<string>()));
        Assert.Equal(code, Outcome);
        AssertRunHeaders();
        Assert.Equal(Header("Platform-Invocation-Id"), problem["invocationId"]!.GetValue<string>());
        Assert.Equal(Worker, problem["worker"]!.GetValue<string>());
        Assert.Equal(long.Parse(Header("Platform-Fuel-Consumed")!, System.Globalization.CultureInfo.InvariantCulture), problem["fuelConsumed"]!.GetValue<long>());
        Assert.Equal(int.Parse(Header("Platform-Version")!, System.Globalization.CultureInfo.InvariantCulture), problem["version"]!.GetValue<int>());
        Assert.NotNull(problem["logs"]);
        return problem;
    }

    /// <summary>A platform-level refusal: no function ran, so no run headers.</summary>
    public JsonObject AssertPlatformError(HttpStatusCode status, string code)
    {
        Assert.True(Status == status, $"expected {(int)status} {code}, got {(int)Status}: {Body}");
        var problem = Problem;
        Assert.Equal(code, problem["code"]!.GetValue<string>());
        Assert.Equal((int)status, problem["status"]!.GetValue<int>());
        Assert.Equal("urn:platform:error:" + code.ToLowerInvariant().Replace('_', '-'), problem["type"]!.GetValue<string>());
        Assert.False(string.IsNullOrWhiteSpace(problem["title"]?.GetValue<string>()));
        Assert.False(string.IsNullOrWhiteSpace(problem["detail"]?.GetValue<string>()));
        Assert.Null(Worker);
        Assert.Null(Header("Platform-Invocation-Id"));
        return problem;
    }
}
