namespace Platform.ControlPlane.Errors;

/// <summary>
/// A request that cannot be served, with the code and (for validation problems) the field at
/// fault. The REST edge turns it into a problem document, the gRPC edge into a rich status.
/// The message is shown to the caller: it never carries internals.
/// </summary>
public sealed class PlatformException : Exception
{
    public PlatformException(ErrorCode code, string message, string? field = null)
        : base(message)
    {
        Code = code;
        Field = field;
    }

    public PlatformException()
        : this(ErrorCode.Internal, "internal error")
    {
    }

    public PlatformException(string message)
        : this(ErrorCode.Internal, message)
    {
    }

    public PlatformException(string message, Exception innerException)
        : base(message, innerException)
    {
        Code = ErrorCode.Internal;
    }

    public ErrorCode Code { get; }

    /// <summary>The request field at fault (<c>name</c>, <c>quotas.maxFuel</c>, <c>config.env</c>), if any.</summary>
    public string? Field { get; }

    /// <summary>When the caller may retry (RATE_LIMITED): REST sends it as <c>Retry-After</c> (whole seconds), gRPC as a <c>google.rpc.RetryInfo</c>.</summary>
    public TimeSpan? RetryAfter { get; init; }

    public static PlatformException InvalidArgument(string field, string message) => new(ErrorCode.InvalidArgument, message, field);

    public static PlatformException NotFound(string message) => new(ErrorCode.NotFound, message);
}
