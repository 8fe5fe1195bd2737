using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Google.Protobuf;
using Grpc.Core;
using V1 = Platform.Contracts.V1;

namespace Platform.ControlPlane.Tests;

/// <summary>
/// Input and output bytes through the invoke path, which hands buffers on without copying them:
/// every byte arrives, whatever way the body came (declared length small or large, chunked), and a
/// reply's bytes are its own after later invocations.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class InvokePayloadTests(PostgresFixture postgres)
{
    private const int OneMiB = 1 << 20;
    private static readonly object TwoMiBQuotas = new { maxInputBytes = 2 * OneMiB, maxOutputBytes = 2 * OneMiB };

    [Fact]
    public async Task Invoke_OneMiBInputAndOutput_RoundTripExactly_RestDeclaredRestChunkedAndGrpc()
    {
        await using var database = await postgres.CreateDatabaseAsync().Within();
        await using var cluster = await InvokeCluster.StartAsync(database.ConnectionString);
        var (_, key) = await cluster.CreateTenantAsync(TwoMiBQuotas);
        await cluster.DeployAsync(key, "echo", GuestWat.Echo);
        using var client = cluster.ControlPlane.CreateClient(key);
        var grpc = new V1.InvocationService.InvocationServiceClient(cluster.ControlPlane.Channel);

        var declared = Pattern(OneMiB, seed: 1);
        using (var response = await ApiCalls.InvokeAsync(client, "echo", declared))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(declared, await response.Content.ReadAsByteArrayAsync().Within());
        }

        var chunked = Pattern(OneMiB + 123, seed: 2);
        using (var response = await PostChunkedAsync(client, "echo", chunked))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(chunked, await response.Content.ReadAsByteArrayAsync().Within());
        }

        var viaGrpc = Pattern(OneMiB, seed: 3);
        var reply = await grpc.InvokeAsync(new V1.InvokeRequest { Function = "echo", Input = ByteString.CopyFrom(viaGrpc) }, PlatformTestHost.Bearer(key)).ResponseAsync.Within();
        Assert.Equal(viaGrpc, reply.Output.ToByteArray());
    }

    [Fact]
    public async Task RestInvoke_DeclaredLengthsAroundTheReadStrategies_EchoedExactly()
    {
        await using var database = await postgres.CreateDatabaseAsync().Within();
        await using var cluster = await InvokeCluster.StartAsync(database.ConnectionString);
        var (_, key) = await cluster.CreateTenantAsync();
        await cluster.DeployAsync(key, "echo", GuestWat.Echo);
        using var client = cluster.ControlPlane.CreateClient(key);

        // Empty, tiny, one guest read, the largest body read at its declared size, the smallest read as it arrives.
        foreach (var length in new[] { 0, 1, 4095, 64 * 1024, (64 * 1024) + 1 })
        {
            var input = Pattern(length, seed: length);
            using var response = await ApiCalls.InvokeAsync(client, "echo", input);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(input, await response.Content.ReadAsByteArrayAsync().Within());
        }
    }

    [Fact]
    public async Task RestInvoke_AtTheInputLimit_Runs_OneByteOver_DeclaredOrChunked_PayloadTooLarge()
    {
        const int limit = 8 * 1024;
        await using var database = await postgres.CreateDatabaseAsync().Within();
        await using var cluster = await InvokeCluster.StartAsync(database.ConnectionString);
        var (_, key) = await cluster.CreateTenantAsync(new { maxInputBytes = limit });
        await cluster.DeployAsync(key, "echo", GuestWat.Echo);
        using var client = cluster.ControlPlane.CreateClient(key);

        var atLimit = Pattern(limit, seed: 5);
        using (var response = await ApiCalls.InvokeAsync(client, "echo", atLimit))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(atLimit, await response.Content.ReadAsByteArrayAsync().Within());
        }

        using (var response = await ApiCalls.InvokeAsync(client, "echo", Pattern(limit + 1, seed: 6)))
            await AssertPayloadTooLargeAsync(response);
        using (var response = await PostChunkedAsync(client, "echo", Pattern(limit + 1, seed: 7)))
            await AssertPayloadTooLargeAsync(response);
    }

    [Fact]
    public async Task Replies_KeepTheirOwnBytes_AfterLaterInvocations_RestAndGrpc()
    {
        await using var database = await postgres.CreateDatabaseAsync().Within();
        await using var cluster = await InvokeCluster.StartAsync(database.ConnectionString);
        var (_, key) = await cluster.CreateTenantAsync();
        await cluster.DeployAsync(key, "echo", GuestWat.Echo);
        var grpc = new V1.InvocationService.InvocationServiceClient(cluster.ControlPlane.Channel);
        using var client = cluster.ControlPlane.CreateClient(key);

        var first = Pattern(10_000, seed: 11);
        var kept = await grpc.InvokeAsync(new V1.InvokeRequest { Function = "echo", Input = ByteString.CopyFrom(first) }, PlatformTestHost.Bearer(key)).ResponseAsync.Within();
        using var keptRest = await ApiCalls.InvokeAsync(client, "echo", first);
        var keptRestBytes = await keptRest.Content.ReadAsByteArrayAsync().Within();
        for (var i = 0; i < 8; i++)
        {
            var other = Pattern(10_000, seed: 100 + i);
            var later = await grpc.InvokeAsync(new V1.InvokeRequest { Function = "echo", Input = ByteString.CopyFrom(other) }, PlatformTestHost.Bearer(key)).ResponseAsync.Within();
            using var laterRest = await ApiCalls.InvokeAsync(client, "echo", other);
            Assert.Equal(other, later.Output.ToByteArray());
            Assert.Equal(other, await laterRest.Content.ReadAsByteArrayAsync().Within());
        }

        Assert.Equal(first, kept.Output.ToByteArray());
        Assert.Equal(first, keptRestBytes);
    }

    /// <summary>A body of unknown length (Transfer-Encoding: chunked), sent in pieces.</summary>
    private static async Task<HttpResponseMessage> PostChunkedAsync(HttpClient client, string function, byte[] body)
    {
        using var content = new StreamContent(new MemoryStream(body), bufferSize: 3000);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/functions/{function}/invoke") { Content = content };
        request.Headers.TransferEncodingChunked = true;
        return await client.SendAsync(request).Within();
    }

    private static async Task AssertPayloadTooLargeAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync().Within();
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("PAYLOAD_TOO_LARGE", ApiCalls.ProblemCode(response, body));
    }

    /// <summary>Bytes that differ from one seed and one position to the next, so a misplaced or stale byte shows.</summary>
    private static byte[] Pattern(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
