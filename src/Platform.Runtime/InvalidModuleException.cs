namespace Platform.Runtime;

/// <summary>The bytes handed to the cache are not a module this platform runs (INVALID_MODULE).</summary>
public sealed class InvalidModuleException(string message) : Exception(message);
