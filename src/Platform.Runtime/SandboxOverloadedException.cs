namespace Platform.Runtime;

/// <summary>Every sandbox slot of the pooling allocator is in use: the caller should shed the invocation (OVERLOADED).</summary>
public sealed class SandboxOverloadedException(string message, Exception inner) : Exception(message, inner);
