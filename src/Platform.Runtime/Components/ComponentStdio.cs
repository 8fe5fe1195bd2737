using System.Buffers;

namespace Platform.Runtime.Components;

/// <summary>
/// A component's stdout and stderr, both kept as the invocation's logs up to the log cap (its
/// response is the return value, not stdout). Wasmtime calls back on its own thread while the
/// invoking thread waits, hence the lock.
/// </summary>
internal sealed class ComponentStdio(int maxLogBytes)
{
    private readonly Lock _gate = new();
    private readonly ArrayBufferWriter<byte> _logs = new(256);

    public bool Truncated { get; private set; }

    public ReadOnlyMemory<byte> Logs
    {
        get
        {
            lock (_gate) return _logs.WrittenMemory.ToArray();
        }
    }

    public void Write(ReadOnlySpan<byte> data)
    {
        lock (_gate)
        {
            var room = Math.Max(maxLogBytes - _logs.WrittenCount, 0);
            if (data.Length > room)
            {
                Truncated = true;
                data = data[..room];
            }

            _logs.Write(data);
        }
    }
}
