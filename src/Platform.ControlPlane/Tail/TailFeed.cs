using System.Threading.Channels;
using Platform.ControlPlane.History;

namespace Platform.ControlPlane.Tail;

/// <summary>
/// One live tail: records offered by its poller wait in a bounded queue for the reader. A reader
/// that falls behind loses the newest records, counted in <see cref="Dropped"/>, rather than
/// making the queue grow without bound.
/// </summary>
internal sealed class TailFeed(int capacity)
{
    private readonly Channel<InvocationRecord> _queue = Channel.CreateBounded<InvocationRecord>(
        new BoundedChannelOptions(capacity) { SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait });

    private long _dropped;

    /// <summary>Records dropped because the reader was behind.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    public ChannelReader<InvocationRecord> Reader => _queue.Reader;

    /// <summary>Queues a record for the reader, or drops and counts it when the queue is full. Never waits.</summary>
    public void Offer(InvocationRecord record)
    {
        if (!_queue.Writer.TryWrite(record))
            Interlocked.Increment(ref _dropped);
    }

    public void Complete(Exception? error = null) => _queue.Writer.TryComplete(error);
}
