using System.Net;
using System.Net.Sockets;

namespace Platform.Testing;

/// <summary>
/// A loopback TCP forwarder that a test can cut (<see cref="Block"/>: existing connections are
/// reset, new ones refused) and restore (<see cref="Unblock"/>), to stage an outage of whatever
/// is behind it, e.g. PostgreSQL.
/// </summary>
public sealed class TcpProxy : IAsyncDisposable
{
    private readonly IPEndPoint _target;
    private readonly Lock _gate = new();
    private readonly List<TcpClient> _connections = [];
    private TcpListener? _listener;
    private CancellationTokenSource _cts = new();

    public TcpProxy(string targetHost, int targetPort)
    {
        _target = new IPEndPoint(Dns.GetHostAddresses(targetHost).First(a => a.AddressFamily == AddressFamily.InterNetwork), targetPort);
        Port = Listen(0);
    }

    public int Port { get; private set; }

    public bool IsBlocked { get; private set; }

    /// <summary>Resets every open connection and refuses new ones until <see cref="Unblock"/>.</summary>
    public void Block()
    {
        lock (_gate)
        {
            IsBlocked = true;
            _cts.Cancel();
            _listener?.Stop();
            _listener = null;
            foreach (var connection in _connections)
            {
                connection.Client.LingerState = new LingerOption(true, 0);
                connection.Dispose();
            }

            _connections.Clear();
        }
    }

    public void Unblock()
    {
        lock (_gate)
        {
            if (!IsBlocked)
                return;
            _cts.Dispose();
            _cts = new CancellationTokenSource();
            Listen(Port);
            IsBlocked = false;
        }
    }

    public ValueTask DisposeAsync()
    {
        Block();
        _cts.Dispose();
        return ValueTask.CompletedTask;
    }

    private int Listen(int port)
    {
        var listener = new TcpListener(IPAddress.Loopback, port);
        listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listener.Start();
        _listener = listener;
        var token = _cts.Token;
        _ = Task.Run(() => AcceptLoop(listener, token), CancellationToken.None);
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private async Task AcceptLoop(TcpListener listener, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = Task.Run(() => Forward(client, cancellationToken), CancellationToken.None);
        }
    }

    private async Task Forward(TcpClient client, CancellationToken cancellationToken)
    {
        var upstream = new TcpClient();
        lock (_gate)
        {
            if (IsBlocked)
            {
                client.Dispose();
                upstream.Dispose();
                return;
            }

            _connections.Add(client);
            _connections.Add(upstream);
        }

        try
        {
            await upstream.ConnectAsync(_target, cancellationToken);
            var a = client.GetStream();
            var b = upstream.GetStream();
            await Task.WhenAny(a.CopyToAsync(b, cancellationToken), b.CopyToAsync(a, cancellationToken));
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // A cut connection ends here.
        }
        finally
        {
            lock (_gate)
            {
                _connections.Remove(client);
                _connections.Remove(upstream);
            }

            client.Dispose();
            upstream.Dispose();
        }
    }
}
