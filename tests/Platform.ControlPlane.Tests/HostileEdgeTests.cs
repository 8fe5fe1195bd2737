using System.Net;
using System.Net.Sockets;
using System.Text;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Grpc.Reflection.V1Alpha;
using Microsoft.Extensions.DependencyInjection;
using Platform.ControlPlane.Auth;
using Platform.ControlPlane.Database;
using V1 = Platform.Contracts.V1;

namespace Platform.ControlPlane.Tests;

/// <summary>
/// What an unauthenticated or hostile caller meets at the edge: an answer from the headers before
/// any body is read, internal services and reflection absent from the public listener, and key
/// sprays that cost the database nothing once a key is clearly unknown.
/// </summary>
public sealed class HostileEdgeTests(PostgresFixture postgres) : ControlPlaneTest(postgres)
{
    private const long SixtyFourMiB = 64L << 20;

    [Theory]
    [InlineData("POST", "/v1/functions/fn/invoke", null)]
    [InlineData("POST", "/v1/functions/fn/invoke", "Bearer pk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("PUT", "/v1/functions/fn", null)]
    [InlineData("PUT", "/v1/functions/fn", "Bearer not-a-key")]
    [InlineData("POST", "/v1/tenants", null)]
    public async Task RestBody_Unauthenticated64MiB_401BeforeTheBodyIsSent(string method, string path, string? authorization)
    {
        // Only the headers and 64 KiB of a 64 MiB body go out: the answer must come anyway.
        var response = await RawHttp1Async(Host.RestUri, method, path, authorization, SixtyFourMiB, sendBytes: 64 << 10);

        Assert.StartsWith("HTTP/1.1 401", response, StringComparison.Ordinal);
        Assert.Contains("\"code\":\"UNAUTHENTICATED\"", response, StringComparison.Ordinal);
        Assert.Contains("Connection: close", response, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task RestInvoke_TenantKeyDeclaringMoreThanItsInputLimit_413BeforeTheBodyIsSent()
    {
        var (_, key) = await CreateTenantAsync(quotas: new { maxInputBytes = 1024 });

        var response = await RawHttp1Async(Host.RestUri, "POST", "/v1/functions/fn/invoke", $"Bearer {key}", SixtyFourMiB, sendBytes: 64 << 10);

        // The function does not exist either: the size is refused first, from the header.
        Assert.True(response.StartsWith("HTTP/1.1 413", StringComparison.Ordinal) || response.StartsWith("HTTP/1.1 404", StringComparison.Ordinal), response);
    }

    [Fact]
    public async Task RestManagementBody_AdminOverTheManagementLimit_413()
    {
        var response = await RawHttp1Async(Host.RestUri, "POST", "/v1/tenants", $"Bearer {Host.AdminKey}", 8L << 20, sendBytes: 64 << 10, contentType: "application/json");

        Assert.StartsWith("HTTP/1.1 413", response, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("Bearer pk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("Bearer short")]
    public async Task GrpcInvoke_Unauthenticated64MiB_TrailersOnlyUnauthenticated(string? authorization)
    {
        using var channel = GrpcChannel.ForAddress(Host.GrpcUri, new GrpcChannelOptions { MaxSendMessageSize = null });
        var client = new V1.InvocationService.InvocationServiceClient(channel);
        var headers = new Metadata();
        if (authorization is not null) headers.Add("authorization", authorization);
        var request = new V1.InvokeRequest { Function = "fn", Input = ByteString.CopyFrom(new byte[SixtyFourMiB]) };

        var ex = await Assert.ThrowsAsync<RpcException>(() => client.InvokeAsync(request, new CallOptions(headers, TestTimeouts.Deadline())).ResponseAsync.Within());

        Assert.Equal(StatusCode.Unauthenticated, ex.StatusCode);
        Assert.Equal("UNAUTHENTICATED", ex.GetRpcStatus()?.GetDetail<Google.Rpc.ErrorInfo>()?.Reason);
    }

    [Fact]
    public async Task GrpcInvoke_Unauthenticated_AnsweredFromTheHeadersWithGrpcStatus16()
    {
        using var http = new HttpClient { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact, Timeout = TestTimeouts.Default };
        // A message frame that announces 64 MiB and carries 16 bytes: a server that read before
        // authenticating would wait for the rest.
        var frame = new byte[5 + 16];
        frame[1] = 0x04;
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(Host.GrpcUri, "/platform.v1.InvocationService/Invoke"))
        {
            Content = new ByteArrayContent(frame),
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/grpc");
        request.Headers.TryAddWithoutValidation("te", "trailers");
        using var response = await http.SendAsync(request).Within();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("16", response.Headers.GetValues("grpc-status").Single());
        Assert.Empty(await response.Content.ReadAsByteArrayAsync().Within());
    }

    [Fact]
    public async Task GrpcInvoke_TenantKeyFarOverItsInputLimit_PayloadTooLargeWhileReading()
    {
        var (_, key) = await CreateTenantAsync(quotas: new { maxInputBytes = 1024 });
        var client = new V1.InvocationService.InvocationServiceClient(Host.Channel);
        var request = new V1.InvokeRequest { Function = "fn", Input = ByteString.CopyFrom(new byte[4 << 20]) };

        var ex = await Assert.ThrowsAsync<RpcException>(() => client.InvokeAsync(request, PlatformTestHost.Bearer(key)).ResponseAsync.Within());

        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
        Assert.Equal("PAYLOAD_TOO_LARGE", ex.GetRpcStatus()?.GetDetail<Google.Rpc.ErrorInfo>()?.Reason);
    }

    [Fact]
    public async Task ClusterService_OnPublicGrpcListener_NotServed_OnClusterListener_NeedsToken()
    {
        var request = new V1.RegisterWorkerRequest { WorkerId = "intruder", AdvertiseUrl = "http://127.0.0.1:1", Capacity = 1 };
        var token = new Metadata { { "x-platform-cluster-token", PlatformTestHost.DefaultClusterToken } };

        // Even with the right token, the public listener has no ClusterService.
        var onPublic = new V1.ClusterService.ClusterServiceClient(Host.Channel);
        var ex = await Assert.ThrowsAsync<RpcException>(() => onPublic.RegisterAsync(request, new CallOptions(token, TestTimeouts.Deadline())).ResponseAsync.Within());
        Assert.Equal(StatusCode.Unimplemented, ex.StatusCode);
        var fetch = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            using var call = onPublic.FetchModule(new V1.FetchModuleRequest { Sha256 = new string('0', 64) }, new CallOptions(token, TestTimeouts.Deadline()));
            await call.ResponseStream.MoveNext(CancellationToken.None).Within();
        });
        Assert.Equal(StatusCode.Unimplemented, fetch.StatusCode);

        using var clusterChannel = GrpcChannel.ForAddress(Host.ClusterUri);
        var onCluster = new V1.ClusterService.ClusterServiceClient(clusterChannel);
        var refused = await Assert.ThrowsAsync<RpcException>(() => onCluster.RegisterAsync(request, deadline: TestTimeouts.Deadline()).ResponseAsync.Within());
        Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
        var registered = await onCluster.RegisterAsync(request, new CallOptions(token, TestTimeouts.Deadline())).ResponseAsync.Within();
        Assert.True(registered.HeartbeatIntervalMs > 0);

        // And the tenant services are not on the cluster listener.
        var tenants = new V1.TenantService.TenantServiceClient(clusterChannel);
        var wrong = await Assert.ThrowsAsync<RpcException>(() => tenants.ListTenantsAsync(new V1.ListTenantsRequest(), PlatformTestHost.Bearer(Host.AdminKey)).ResponseAsync.Within());
        Assert.Equal(StatusCode.Unimplemented, wrong.StatusCode);
    }

    [Fact]
    public async Task Reflection_DefaultConfiguration_Off()
    {
        var client = new ServerReflection.ServerReflectionClient(Host.Channel);
        var ex = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            using var call = client.ServerReflectionInfo(deadline: TestTimeouts.Deadline());
            await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "" }).Within();
            await call.RequestStream.CompleteAsync().Within();
            await call.ResponseStream.MoveNext(CancellationToken.None).Within();
        });
        Assert.Equal(StatusCode.Unimplemented, ex.StatusCode);
    }

    [Fact]
    public async Task Reflection_SwitchedOn_ListsThePublicServices()
    {
        await using var host = await PlatformTestHost.StartAsync(Database.ConnectionString, new Dictionary<string, string?> { ["Platform:GrpcReflection"] = "true" }).Within(TimeSpan.FromSeconds(60));
        var client = new ServerReflection.ServerReflectionClient(host.Channel);
        using var call = client.ServerReflectionInfo(deadline: TestTimeouts.Deadline());
        await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "" }).Within();
        await call.RequestStream.CompleteAsync().Within();
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None).Within());
        var services = call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToList();
        Assert.Contains("platform.v1.TenantService", services);
        Assert.Contains("platform.v1.FunctionService", services);
        Assert.Contains("grpc.health.v1.Health", services);
    }

    [Fact]
    public void Endpoints_EveryApiRouteAndService_AuthenticatedBeforeItsBody()
    {
        var endpoints = Host.Services.GetRequiredService<Microsoft.AspNetCore.Routing.EndpointDataSource>().Endpoints.OfType<Microsoft.AspNetCore.Routing.RouteEndpoint>().ToList();
        var grpcServices = new HashSet<string>(StringComparer.Ordinal);
        foreach (var endpoint in endpoints)
        {
            var path = endpoint.RoutePattern.RawText ?? "";
            var grpc = endpoint.Metadata.GetMetadata<global::Grpc.AspNetCore.Server.GrpcMethodMetadata>();
            var caller = endpoint.Metadata.GetMetadata<CallerRequirement>();
            var token = endpoint.Metadata.GetMetadata<Platform.Hosting.ClusterTokenRequired>();
            if (grpc is not null)
            {
                var service = grpc.Method.ServiceName;
                grpcServices.Add(service);
                if (service == "platform.v1.ClusterService")
                    Assert.NotNull(token);
                else if (service.StartsWith("platform.", StringComparison.Ordinal))
                    Assert.True(caller is not null, $"{service} has no CallerRequirement");
                else
                    Assert.Contains(service, new[] { "grpc.health.v1.Health" });
            }
            else if (path.StartsWith("/v1", StringComparison.Ordinal))
            {
                Assert.True(caller is not null, $"{path} has no CallerRequirement");
            }
        }

        Assert.Contains("platform.v1.InvocationService", grpcServices);
        Assert.DoesNotContain("grpc.reflection.v1alpha.ServerReflection", grpcServices);
    }

    [Fact]
    public async Task KeySpray_RandomAndMalformedKeys_NoQueryOnceClearlyUnknown_CircuitStaysClosed()
    {
        var (_, key) = await CreateTenantAsync();
        var authenticator = Host.Services.GetRequiredService<Authenticator>();
        var circuit = Host.Services.GetRequiredService<DatabaseCircuit>();
        using var tenant = Host.CreateClient(key);
        using (var warm = await tenant.GetAsync("/v1/functions").Within())
            Assert.Equal(HttpStatusCode.OK, warm.StatusCode);

        // Malformed keys: the wrong length, the wrong alphabet, not ours at all. None reaches PostgreSQL.
        var before = authenticator.Lookups;
        var malformed = Enumerable.Range(0, 300).Select(i => (i % 3) switch
        {
            0 => "pk_" + RandomKey()[..20],
            1 => "pk_" + RandomKey()[..42] + "!",
            _ => "sk_" + RandomKey(),
        });
        await SprayAsync(malformed);
        Assert.Equal(before, authenticator.Lookups);

        // Well-formed random keys: one lookup each, then never again however often they come back.
        var random = Enumerable.Range(0, 64).Select(_ => "pk_" + RandomKey()).ToList();
        await SprayAsync(random);
        Assert.Equal(before + random.Count, authenticator.Lookups);
        await SprayAsync(Enumerable.Repeat(random, 5).SelectMany(k => k));
        Assert.Equal(before + random.Count, authenticator.Lookups);

        Assert.False(circuit.IsOpen);
        using var after = await tenant.GetAsync("/v1/functions").Within();
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    private async Task SprayAsync(IEnumerable<string> keys)
    {
        using var gate = new SemaphoreSlim(32);
        using var client = Host.CreateClient();
        var calls = keys.Select(async k =>
        {
            await gate.WaitAsync();
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/functions/fn/invoke") { Content = new ByteArrayContent([1, 2, 3]) };
                request.Headers.TryAddWithoutValidation("Authorization", $"Bearer {k}");
                using var response = await client.SendAsync(request).Within();
                Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            }
            finally
            {
                gate.Release();
            }
        });
        await Task.WhenAll(calls).Within(TimeSpan.FromSeconds(60));
    }

    private static string RandomKey() =>
        Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>Sends the request line, headers and <paramref name="sendBytes"/> of a body announced as <paramref name="contentLength"/>, then reads what the server answers.</summary>
    internal static async Task<string> RawHttp1Async(Uri server, string method, string path, string? authorization, long contentLength, int sendBytes, string contentType = "application/octet-stream")
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(server.Host, server.Port).Within();
        var stream = tcp.GetStream();
        var head = new StringBuilder()
            .Append($"{method} {path} HTTP/1.1\r\nHost: {server.Host}:{server.Port}\r\nContent-Type: {contentType}\r\nContent-Length: {contentLength}\r\n");
        if (authorization is not null) head.Append($"Authorization: {authorization}\r\n");
        head.Append("\r\n");
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head.ToString())).AsTask().Within();
        await stream.WriteAsync(new byte[sendBytes]).AsTask().Within();

        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        using var timeout = new CancellationTokenSource(TestTimeouts.Default);
        while (true)
        {
            var read = await stream.ReadAsync(chunk, timeout.Token);
            if (read == 0) break;
            buffer.Write(chunk, 0, read);
            var text = Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
            var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (end >= 0 && System.Text.RegularExpressions.Regex.Match(text, @"Content-Length: (\d+)", System.Text.RegularExpressions.RegexOptions.IgnoreCase) is { Success: true } m
                && text.Length >= end + 4 + int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture))
                return text;
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }
}
