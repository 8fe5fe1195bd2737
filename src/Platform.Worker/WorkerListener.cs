using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Platform.Worker;

/// <summary>
/// The worker's Kestrel listener. Once the host has started, <see cref="Uri"/> gives the bound
/// address (with the real port when port 0 was asked).
/// </summary>
public sealed class WorkerListener
{
    /// <summary>The connection item (<c>ConnectionContext.Items</c>) that tags connections of this listener.</summary>
    public const string ConnectionItemKey = "platform.listener";

    /// <summary>The value of <see cref="ConnectionItemKey"/> on the worker's connections.</summary>
    public const string ConnectionItemValue = "worker";

    internal ListenOptions? Listen { get; set; }

    internal string Host { get; set; } = "127.0.0.1";

    /// <summary>Whether the listener binds every address (0.0.0.0, *, [::]).</summary>
    internal bool IsAny { get; set; }

    public Uri Uri
    {
        get
        {
            if (Listen?.EndPoint is not IPEndPoint endpoint)
                throw new InvalidOperationException("the worker's listener is not bound yet");
            var shownHost = IsAny ? "127.0.0.1" : Host;
            return new Uri($"http://{shownHost}:{endpoint.Port}");
        }
    }

    internal int Port => Listen?.EndPoint is IPEndPoint endpoint ? endpoint.Port : 0;
}
