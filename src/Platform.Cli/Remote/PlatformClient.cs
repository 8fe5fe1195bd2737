using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Reflection;

namespace Platform.Cli.Remote;

/// <summary>
/// The platform's REST API over the process's one <see cref="HttpClient"/>. Adds the bearer key
/// (refusing to send anything without one), turns transport failures into UNAVAILABLE problems
/// and failed responses into the platform's problem.
/// </summary>
internal sealed class PlatformClient(RemoteSettings settings)
{
    private static readonly Lazy<HttpClient> Shared = new(CreateHttpClient);

    public RemoteSettings Settings { get; } = settings;

    /// <summary>Sends a request and returns the response once its headers arrived; the caller reads (and disposes) it.</summary>
    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, HttpContent? content, CancellationToken cancellationToken)
    {
        if (Settings.ApiKey is null)
        {
            throw new RemoteException(ApiProblem.Local(
                "UNAUTHENTICATED",
                $"no API key: pass --api-key or set {RemoteSettings.ApiKeyVariable} (nothing was sent)"));
        }

        using var request = new HttpRequestMessage(method, new Uri(Settings.BaseUrl, path)) { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Settings.ApiKey);
        try
        {
            return await Shared.Value.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (HttpRequestException ex) when (IsUnreachable(ex))
        {
            throw new RemoteException(ApiProblem.Local("UNAVAILABLE", $"cannot reach the platform at {Settings.BaseUrl}: {Describe(ex)}"), ex);
        }
        catch (HttpRequestException ex)
        {
            throw new RemoteException(ApiProblem.Local("CLIENT_ERROR", $"the request to {Settings.BaseUrl} failed: {Describe(ex)}"), ex);
        }
    }

    /// <summary>Sends a request and returns the body of a successful response; a failed one throws its problem.</summary>
    public async Task<byte[]> CallAsync(HttpMethod method, string path, HttpContent? content, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(method, path, content, cancellationToken);
        var body = await ReadBodyAsync(response, cancellationToken);
        if (!response.IsSuccessStatusCode)
            throw new RemoteException(ApiProblem.FromResponse(response.StatusCode, response.Content.Headers.ContentType?.MediaType, body));
        return body;
    }

    public async Task<byte[]> ReadBodyAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(response);
        try
        {
            return await response.Content.ReadAsByteArrayAsync(cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            throw new RemoteException(ApiProblem.Local("UNAVAILABLE", $"the connection to {Settings.BaseUrl} broke while reading the answer: {Describe(ex)}"), ex);
        }
        catch (IOException ex)
        {
            throw new RemoteException(ApiProblem.Local("UNAVAILABLE", $"the connection to {Settings.BaseUrl} broke while reading the answer: {ex.Message}"), ex);
        }
    }

    /// <summary>A path segment: the name escaped, so that a stray '/' or '?' cannot change the route.</summary>
    public static string Segment(string value) => Uri.EscapeDataString(value);

    private static bool IsUnreachable(HttpRequestException ex) =>
        ex.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError or HttpRequestError.ResponseEnded
        || ex.InnerException is SocketException;

    private static string Describe(HttpRequestException ex)
    {
        if (ex.InnerException is SocketException socket)
        {
            return socket.SocketErrorCode switch
            {
                SocketError.ConnectionRefused => "connection refused (is the platform running? check --url or " + RemoteSettings.UrlVariable + ")",
                SocketError.HostNotFound or SocketError.TryAgain or SocketError.NoData => "host not found",
                SocketError.TimedOut => "connection timed out",
                _ => socket.Message,
            };
        }

        return ex.Message;
    }

    private static HttpClient CreateHttpClient()
    {
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = TimeSpan.FromSeconds(10),
            AutomaticDecompression = DecompressionMethods.All,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        };
        var client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        var version = typeof(PlatformClient).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0";
        client.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("platformctl", version.Split('+')[0]));
        return client;
    }
}
