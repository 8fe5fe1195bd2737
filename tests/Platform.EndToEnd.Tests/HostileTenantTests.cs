using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Platform.Contracts.V1;
using Platform.Testing.Processes;

namespace Platform.EndToEnd.Tests;

/// <summary>
/// The dev platform as a separate process under unauthenticated traffic: 64 MiB bodies answered
/// from the headers without growing the process, internal surfaces off the public listeners.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class HostileTenantTests : IAsyncLifetime
{
    private const int SixtyFourMiB = 64 << 20;

    private static readonly string[] Arguments =
    [
        "--workers", "1",
        "--Platform:RestUrl=http://127.0.0.1:0", "--Platform:GrpcUrl=http://127.0.0.1:0",
        "--Platform:ClusterUrl=http://127.0.0.1:0", "--Platform:MetricsUrl=http://127.0.0.1:0",
    ];

    private readonly string _dataDir;
    private DevProcess _dev = null!;
    private DevFacts _facts = null!;

    public HostileTenantTests()
    {
        // As root the private PostgreSQL runs as `postgres`: every parent of its folder must be traversable.
        var tmp = Directory.Exists("/tmp") ? "/tmp" : Path.GetTempPath();
        _dataDir = Path.Combine(tmp, $"platform-e2e-hostile-{Guid.NewGuid():N}"[..34]);
        Directory.CreateDirectory(_dataDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
    }

    public async Task InitializeAsync()
    {
        _dev = DevProcess.Start(_dataDir, Arguments);
        _facts = await _dev.WaitForFactsAsync(TimeSpan.FromSeconds(150));
    }

    public async Task DisposeAsync()
    {
        await _dev.DisposeAsync();
        try
        {
            Directory.Delete(_dataDir, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A temp folder; left behind.
        }
    }

    [Fact]
    public async Task UnauthenticatedInvokes_Twenty64MiBOverGrpcAndRest_RssWithin100MB()
    {
        using var channel = GrpcChannel.ForAddress(_facts.GrpcUrl, new GrpcChannelOptions { MaxSendMessageSize = null });
        var client = new InvocationService.InvocationServiceClient(channel);
        var request = new InvokeRequest { Function = "hello", Input = ByteString.CopyFrom(new byte[SixtyFourMiB]) };
        // Warm: the paths under test have run once before the baseline.
        await InvokeUnauthenticatedAsync(client, request);
        Assert.StartsWith("HTTP/1.1 401", await RestUnauthenticatedAsync(), StringComparison.Ordinal);
        await Task.Delay(500);
        var before = RssBytes(_dev.ProcessId);

        for (var i = 0; i < 20; i++)
            await InvokeUnauthenticatedAsync(client, request);
        for (var i = 0; i < 20; i++)
            Assert.StartsWith("HTTP/1.1 401", await RestUnauthenticatedAsync(), StringComparison.Ordinal);

        var after = RssBytes(_dev.ProcessId);
        var grown = after - before;
        Console.WriteLine($"dev RSS before {before / 1e6:F0} MB, after 20 gRPC + 20 REST unauthenticated 64 MiB invokes {after / 1e6:F0} MB (+{grown / 1e6:F0} MB)");
        Assert.True(grown < 100_000_000, $"RSS grew by {grown / 1e6:F0} MB ({before / 1e6:F0} -> {after / 1e6:F0} MB)");

        // The platform still serves its tenants.
        var hello = await client.InvokeAsync(new InvokeRequest { Function = "hello", Input = ByteString.CopyFromUtf8("Ada") }, Bearer(_facts.DemoApiKey)).ResponseAsync.Within();
        Assert.Equal("Hello, Ada!\n", hello.Output.ToStringUtf8());
    }

    [Fact]
    public async Task Listeners_MetricsAndClusterService_OnlyOnTheirOwnListeners()
    {
        using var http = new HttpClient { Timeout = TestTimeouts.Default };
        using (var onRest = await http.GetAsync(new Uri(new Uri(_facts.RestUrl), "/metrics")).Within())
            Assert.Equal(HttpStatusCode.NotFound, onRest.StatusCode);
        var scrape = await http.GetStringAsync(_facts.Metrics).Within();
        Assert.Contains("platform_invocations_total", scrape, StringComparison.Ordinal);

        var token = new Metadata { { "x-platform-cluster-token", "anything-at-all-0123456789-0123456789" } };
        using var grpc = GrpcChannel.ForAddress(_facts.GrpcUrl);
        var onPublic = new ClusterService.ClusterServiceClient(grpc);
        var ex = await Assert.ThrowsAsync<RpcException>(() => onPublic.HeartbeatAsync(new HeartbeatRequest { WorkerId = "dev-worker-1" }, new CallOptions(token, TestTimeouts.Deadline())).ResponseAsync.Within());
        Assert.Equal(StatusCode.Unimplemented, ex.StatusCode);

        using var cluster = GrpcChannel.ForAddress(_facts.ClusterUrl);
        var onCluster = new ClusterService.ClusterServiceClient(cluster);
        var refused = await Assert.ThrowsAsync<RpcException>(() => onCluster.HeartbeatAsync(new HeartbeatRequest { WorkerId = "dev-worker-1" }, new CallOptions(token, TestTimeouts.Deadline())).ResponseAsync.Within());
        Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
    }

    private static async Task InvokeUnauthenticatedAsync(InvocationService.InvocationServiceClient client, InvokeRequest request)
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() => client.InvokeAsync(request, Bearer("pk_" + new string('A', 43))).ResponseAsync.Within());
        Assert.Equal(StatusCode.Unauthenticated, ex.StatusCode);
    }

    /// <summary>POSTs a 64 MiB body without a key, writing until the server answers or stops reading.</summary>
    private async Task<string> RestUnauthenticatedAsync()
    {
        var rest = new Uri(_facts.RestUrl);
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(rest.Host, rest.Port).Within();
        var stream = tcp.GetStream();
        var head = $"POST /v1/functions/hello/invoke HTTP/1.1\r\nHost: {rest.Authority}\r\nContent-Type: application/octet-stream\r\nContent-Length: {SixtyFourMiB}\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head)).AsTask().Within();
        var chunk = new byte[1 << 20];
        try
        {
            for (var sent = 0; sent < SixtyFourMiB && !tcp.Client.Poll(0, SelectMode.SelectRead); sent += chunk.Length)
                await stream.WriteAsync(chunk).AsTask().Within();
        }
        catch (IOException)
        {
            // The server closed the connection after answering.
        }

        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(TestTimeouts.Default);
        var read = await stream.ReadAsync(buffer, timeout.Token);
        return Encoding.ASCII.GetString(buffer, 0, read);
    }

    private static CallOptions Bearer(string key) => new(new Metadata { { "authorization", $"Bearer {key}" } }, TestTimeouts.Deadline());

    private static long RssBytes(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
    }
}
