using Platform.Hosting.Listeners;

namespace Platform.Worker;

/// <summary>
/// The worker's Kestrel listener (<c>Platform:WorkerUrl</c>). Once the host has started,
/// <see cref="Uri"/> gives the bound address (with the real port when port 0 was asked).
/// </summary>
public sealed class WorkerListener
{
    internal Listener? Listener { get; set; }

    public Uri Uri => Bound.Uri;

    /// <summary>Whether the listener binds every address (0.0.0.0, *, [::]).</summary>
    internal bool IsAny => Bound.Address.IsAny;

    internal int Port => Listener?.Port ?? 0;

    private Listener Bound => Listener ?? throw new InvalidOperationException("the worker's listener is not bound yet");
}
