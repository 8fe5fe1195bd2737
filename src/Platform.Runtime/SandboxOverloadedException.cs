namespace Platform.Runtime;

/// <summary>Every sandbox slot of the pooling allocator is in use: the caller should shed the invocation (OVERLOADED).</summary>
public sealed class SandboxOverloadedException : Exception
{
    public SandboxOverloadedException(string message)
        : base(message)
    {
    }

    public SandboxOverloadedException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
