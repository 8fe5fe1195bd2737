namespace Platform.Runtime.Wasi;

/// <summary>
/// What one WASI call may do and what it costs. Host calls run outside the epoch check and
/// outside Wasm's own fuel metering, so each call's work is capped here and paid for in fuel:
/// a guest cannot buy host time that its fuel and deadline do not cover.
/// </summary>
internal static class HostCallLimits
{
    /// <summary>iovecs per fd_read/fd_write call, as POSIX IOV_MAX; more is EINVAL, as readv/writev give.</summary>
    public const int MaxIovecs = 1024;

    /// <summary>Subscriptions per poll_oneoff call; more is EINVAL.</summary>
    public const int MaxSubscriptions = 1024;

    /// <summary>
    /// Bytes one fd_read/fd_write call moves (the rest is a short read/write, which callers
    /// already handle) and the most one random_get call fills (more is EINVAL: random_get has no
    /// way to report a partial fill).
    /// </summary>
    public const int MaxBytesPerCall = 1 << 20;

    /// <summary>Fuel every call pays on entry, whatever it returns.</summary>
    public const long FuelPerCall = 100;

    /// <summary>Fuel per iovec read and per poll subscription examined.</summary>
    public const long FuelPerItem = 10;

    /// <summary>Bytes moved per unit of fuel (rounded up): a Wasm copy loop pays about one fuel per 8-byte word too.</summary>
    public const int BytesPerFuel = 8;

    public static long FuelForBytes(long bytes) => (bytes + BytesPerFuel - 1) / BytesPerFuel;
}
