using System.Net;
using System.Text;

namespace Platform.EndToEnd.Tests;

/// <summary>
/// The examples of every language under examples/, built by examples/build.sh, deployed through
/// the real platform as a new tenant would deploy them (default quotas), invoked by name with JSON
/// and called over the HTTP trigger. Every language's <c>greet</c> and <c>http</c> examples answer
/// the same contract (docs/languages/), so one set of assertions covers all of them. The
/// JavaScript rows are components: they need the platform's component support.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class LanguageExamplesTests(EndToEndEnvironment environment)
{
    public static TheoryData<string> Languages => new() { "c", "rust", "go", "assemblyscript", "javascript" };

    private sealed record Setup(TestCluster Cluster, string Tenant, string Key)
    {
        public string HttpPath(string rest) => $"/fn/{Tenant}/hello-http{rest}";
    }

    /// <summary>The build/guests names of a language's invoke and HTTP examples (examples/build.sh).</summary>
    private static (string Greet, string Http) Guests(string language) => language switch
    {
        "c" => ("greet", "http"),
        "rust" => ("rust-greet", "rust-http"),
        "go" => ("go-greet", "go-http"),
        "assemblyscript" => ("as-greet", "as-http"),
        "javascript" => ("js-greet", "js-http"),
        _ => throw new ArgumentOutOfRangeException(nameof(language), language, null),
    };

    private async Task<Setup> SetupAsync(string language)
    {
        var cluster = await environment.SharedClusterAsync();
        return await cluster.OnceAsync("language-" + language, async () =>
        {
            var (tenant, key) = await cluster.CreateTenantAsync();
            var (greet, http) = Guests(language);
            await cluster.DeployGuestAsync(key, "greet", greet);
            await cluster.DeployGuestAsync(key, "hello-http", http, """{"http": {"public": true}}""");
            await WarmUpAsync(cluster, key, "greet");
            await WarmUpAsync(cluster, key, "hello-http");
            return new Setup(cluster, tenant, key);
        });
    }

    /// <summary>
    /// A worker compiles a module on its first invocation there, inside that invocation's timeout;
    /// a large module (Go's are ~3 MB) on this busy machine can take longer, and the invocation is
    /// then UNAVAILABLE while the compile finishes for the next one. The tests are about the
    /// examples' answers, so every worker the function is placed on runs it once first (bounded).
    /// </summary>
    private static async Task WarmUpAsync(TestCluster cluster, string key, string function)
    {
        var ready = new HashSet<string>(StringComparer.Ordinal);
        for (var attempt = 0; attempt < 12 && ready.Count < TestCluster.ReplicationFactor; attempt++)
        {
            var run = await cluster.InvokeAsync(key, function, "{}");
            if (run.Worker is not null) ready.Add(run.Worker);
        }
    }

    [Theory]
    [MemberData(nameof(Languages))]
    public async Task Invoke_Greet_JsonInJsonOut(string language)
    {
        var s = await SetupAsync(language);

        (await s.Cluster.InvokeAsync(s.Key, "greet", """{"name": "Ada"}""")).AssertOk("""{"greeting":"hello Ada","length":3}""");
        (await s.Cluster.InvokeAsync(s.Key, "greet", "{}")).AssertOk("""{"greeting":"hello world","length":5}""");
    }

    [Theory]
    [MemberData(nameof(Languages))]
    public async Task Invoke_Greet_EscapesAndOtherMembersHandled(string language)
    {
        var s = await SetupAsync(language);

        // Nested values to skip (one holds a "name" of its own), escapes in, escapes out, and a
        // name of 8 UTF-8 bytes: A, ", é (2 bytes) and one character outside the BMP (4 bytes).
        const string input = """ {"other": [1, {"name": 2}, "}"], "name": "A\"\u00e9\ud83d\ude00", "n": null} """;

        (await s.Cluster.InvokeAsync(s.Key, "greet", input)).AssertOk("{\"greeting\":\"hello A\\\"é😀\",\"length\":8}");
    }

    [Theory]
    [MemberData(nameof(Languages))]
    public async Task Invoke_Greet_InputNotAnObjectWithAStringName_FailsWithItsMessage(string language)
    {
        var s = await SetupAsync(language);

        foreach (var (input, message) in new[]
        {
            ("[1]", "expected a JSON object"),
            ("""{"name": 3}""", language == "javascript" ? "must be a string" : "expected a JSON object"),
            ("not json", "expected a JSON object"),
            ("""{"name": "unterminated""", "expected a JSON object"),
            ("", "expected a JSON object"),
        })
        {
            var rest = await s.Cluster.InvokeAsync(s.Key, "greet", input);

            if (language == "javascript")
            {
                // A component fails with err(message) of its result; the message reaches the caller.
                Assert.True(rest.Outcome == "FUNCTION_ERROR", $"{input}: {(int)rest.Status} {rest.Body}");
                Assert.Equal("FUNCTION_ERROR", rest.Problem["code"]!.GetValue<string>());
                Assert.Contains(message, rest.Body, StringComparison.Ordinal);
                continue;
            }

            var problem = rest.AssertOutcome(HttpStatusCode.InternalServerError, "EXIT_NONZERO");
            Assert.Equal(1, problem["exitCode"]!.GetValue<int>());
            Assert.Contains("greet: " + message, problem["logs"]!.GetValue<string>(), StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(Languages))]
    public async Task Http_Hello_AnswersJsonWithItsHeaders(string language)
    {
        var s = await SetupAsync(language);

        var get = await HttpTriggerClient.GetAsync(s.Cluster.ControlPlane.RestUri, s.HttpPath("/hello?name=Ada"));
        var post = await HttpTriggerClient.PostAsync(s.Cluster.ControlPlane.RestUri, s.HttpPath("/hello"), "abc");

        AssertHello(get, language, """{"greeting":"hello Ada","method":"GET","bytes":0}""");
        AssertHello(post, language, """{"greeting":"hello world","method":"POST","bytes":3}""");
    }

    [Theory]
    [MemberData(nameof(Languages))]
    public async Task Http_Hello_QueryTakenAsSentAndWholeBodyCounted(string language)
    {
        var s = await SetupAsync(language);
        var body = new string('x', 200_000);

        var answer = await HttpTriggerClient.SendAsync(
            s.Cluster.ControlPlane.RestUri,
            HttpMethod.Put,
            s.HttpPath("/hello?x=name%3D&name=A%20B&name=second"),
            content: new StringContent(body, Encoding.ASCII, "application/octet-stream"));

        AssertHello(answer, language, """{"greeting":"hello A%20B","method":"PUT","bytes":200000}""");
    }

    [Theory]
    [MemberData(nameof(Languages))]
    public async Task Http_UnknownPath_FunctionAnswers404(string language)
    {
        var s = await SetupAsync(language);

        var answer = await HttpTriggerClient.GetAsync(s.Cluster.ControlPlane.RestUri, s.HttpPath("/nope/../x"));

        Assert.True(answer.Status == HttpStatusCode.NotFound, $"{(int)answer.Status}: {answer.Text}");
        Assert.Equal("text/plain", answer.Header("Content-Type"));
        Assert.Equal(language, answer.Header("X-Language"));
        Assert.Equal("no route for /nope/../x\n", answer.Text);
        _ = answer.InvocationId;
    }

    private static void AssertHello(HttpAnswer answer, string language, string json)
    {
        Assert.True(answer.Status == HttpStatusCode.OK, $"{(int)answer.Status}: {answer.Text}");
        Assert.Equal("application/json", answer.Header("Content-Type"));
        Assert.Equal(language, answer.Header("X-Language"));
        Assert.Equal(json, answer.Text);
        _ = answer.InvocationId;
    }
}
