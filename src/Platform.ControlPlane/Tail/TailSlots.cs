using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Platform.ControlPlane.Errors;

namespace Platform.ControlPlane.Tail;

/// <summary>The tails each tenant holds open on this control plane, at most <see cref="TailOptions.MaxTailsPerTenant"/>.</summary>
internal sealed class TailSlots(IOptions<TailOptions> options)
{
    private readonly ConcurrentDictionary<Guid, int> _open = new();

    public int Open(Guid tenantId) => _open.GetValueOrDefault(tenantId);

    /// <summary>Takes a slot, released when the returned value is disposed; CONCURRENCY_LIMITED when every slot is taken.</summary>
    public IDisposable Acquire(Guid tenantId)
    {
        var max = options.Value.MaxTailsPerTenant;
        while (true)
        {
            var current = _open.GetValueOrDefault(tenantId);
            if (current >= max)
                throw new PlatformException(ErrorCode.ConcurrencyLimited, $"the tenant already has {max} live tails open (Platform:Tail:MaxTailsPerTenant); close one first");
            if (current == 0 ? _open.TryAdd(tenantId, 1) : _open.TryUpdate(tenantId, current + 1, current))
                return new Slot(this, tenantId);
        }
    }

    private void Release(Guid tenantId)
    {
        while (true)
        {
            var current = _open[tenantId];
            if (current == 1 ? _open.TryRemove(KeyValuePair.Create(tenantId, 1)) : _open.TryUpdate(tenantId, current - 1, current))
                return;
        }
    }

    private sealed class Slot(TailSlots slots, Guid tenantId) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0) slots.Release(tenantId);
        }
    }
}
